package dev.layerd.unpack;

import dev.layerd.oci.Digest;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of unpacking one image.
 *
 * @param manifest digest of the manifest that was unpacked
 * @param snapshotter the snapshotter's name
 * @param chainId the top chain ID: the committed snapshot that shows the whole image
 * @param mode how the layers were applied
 * @param modeReason why the mode is sequential (empty in parallel mode)
 * @param layers one entry per layer, bottom first
 * @param discarded compressed layer blobs deleted after their snapshot was committed
 * @param wallTime time the whole unpack took, lock waits included
 */
public record UnpackResult(
    Digest manifest,
    String snapshotter,
    Digest chainId,
    UnpackMode mode,
    String modeReason,
    List<LayerResult> layers,
    List<Digest> discarded,
    Duration wallTime) {
  public UnpackResult {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(snapshotter, "snapshotter");
    Objects.requireNonNull(mode, "mode");
    modeReason = modeReason == null ? "" : modeReason;
    layers = List.copyOf(layers);
    discarded = List.copyOf(discarded);
    Objects.requireNonNull(wallTime, "wallTime");
  }

  /** Layers applied and committed by this unpack. */
  public long applied() {
    return layers.stream().filter(l -> l.state() == LayerState.COMMITTED).count();
  }

  /** Layers whose snapshot already existed. */
  public long skipped() {
    return layers.stream().filter(l -> l.state() == LayerState.SKIPPED).count();
  }
}
