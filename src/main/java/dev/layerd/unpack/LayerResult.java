package dev.layerd.unpack;

import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import java.time.Duration;
import java.util.Objects;

/**
 * What happened to one layer.
 *
 * @param index position in the manifest, bottom first
 * @param layer the compressed layer's descriptor
 * @param diffId the layer's diffID (verified when {@code state} is committed)
 * @param chainId the snapshot name the layer ended up in
 * @param state {@link LayerState#COMMITTED} or {@link LayerState#SKIPPED}
 * @param reappliedSequentially applied in parallel first, then again on its parent chain because it
 *     needed its lower layers (a hardlink into one, for example)
 * @param implicitDirsFixed directories the layer did not list whose metadata was taken from the
 *     lower layers at commit time (parallel mode only)
 * @param duration time from the start of the apply to the commit; zero when skipped
 */
public record LayerResult(
    int index,
    Descriptor layer,
    Digest diffId,
    Digest chainId,
    LayerState state,
    boolean reappliedSequentially,
    int implicitDirsFixed,
    Duration duration) {
  public LayerResult {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(diffId, "diffId");
    Objects.requireNonNull(chainId, "chainId");
    Objects.requireNonNull(duration, "duration");
    if (state != LayerState.COMMITTED && state != LayerState.SKIPPED) {
      throw new IllegalArgumentException("a finished layer is committed or skipped, not " + state);
    }
  }
}
