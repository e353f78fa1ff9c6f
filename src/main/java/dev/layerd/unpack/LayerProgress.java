package dev.layerd.unpack;

import dev.layerd.oci.Descriptor;
import java.util.Objects;

/**
 * One progress report for one layer.
 *
 * @param index the layer's position in the manifest, bottom first
 * @param layer the layer's descriptor (compressed blob)
 * @param state where the layer stands
 * @param bytesRead compressed bytes read so far
 */
public record LayerProgress(int index, Descriptor layer, LayerState state, long bytesRead) {
  public LayerProgress {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(state, "state");
    if (index < 0 || bytesRead < 0) {
      throw new IllegalArgumentException(
          "negative index or byte count: " + index + ", " + bytesRead);
    }
  }
}
