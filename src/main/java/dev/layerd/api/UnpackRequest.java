package dev.layerd.api;

import dev.layerd.oci.Platform;
import dev.layerd.unpack.ProgressListener;
import java.util.Objects;

/**
 * How {@link Layerd#unpack} unpacks one image. Null or zero fields take the config's value.
 *
 * @param snapshotter {@code overlayfs} or {@code native}; null: the config's {@code unpack_config}
 *     entry for the platform, else {@code overlayfs}
 * @param differ one differ to apply with ({@code overlay} or {@code walking}); null: the diff
 *     service's configured order. Forcing {@code walking} makes the unpack sequential
 * @param maxConcurrentUnpacks layers applied at once; 0: the config's {@code
 *     max_concurrent_unpacks}
 * @param sequential never apply layers in parallel
 * @param discardLayers delete the compressed layer blobs once unpacked; null: the config's {@code
 *     discard_unpacked_layers}
 * @param platform which manifest of a multi-platform image; null: the host's
 * @param progress per-layer progress, see {@link ProgressListener}
 */
public record UnpackRequest(
    String snapshotter,
    String differ,
    int maxConcurrentUnpacks,
    boolean sequential,
    Boolean discardLayers,
    Platform platform,
    ProgressListener progress) {

  public UnpackRequest {
    if (maxConcurrentUnpacks < 0) {
      throw new IllegalArgumentException(
          "max concurrent unpacks is negative: " + maxConcurrentUnpacks);
    }
    progress = Objects.requireNonNullElse(progress, ProgressListener.NONE);
  }

  /** Everything from the config. */
  public static UnpackRequest defaults() {
    return new UnpackRequest(null, null, 0, false, null, null, null);
  }

  public UnpackRequest withSnapshotter(String v) {
    return new UnpackRequest(
        v, differ, maxConcurrentUnpacks, sequential, discardLayers, platform, progress);
  }

  public UnpackRequest withDiffer(String v) {
    return new UnpackRequest(
        snapshotter, v, maxConcurrentUnpacks, sequential, discardLayers, platform, progress);
  }

  public UnpackRequest withMaxConcurrentUnpacks(int v) {
    return new UnpackRequest(snapshotter, differ, v, sequential, discardLayers, platform, progress);
  }

  public UnpackRequest withSequential(boolean v) {
    return new UnpackRequest(
        snapshotter, differ, maxConcurrentUnpacks, v, discardLayers, platform, progress);
  }

  public UnpackRequest withDiscardLayers(Boolean v) {
    return new UnpackRequest(
        snapshotter, differ, maxConcurrentUnpacks, sequential, v, platform, progress);
  }

  public UnpackRequest withPlatform(Platform v) {
    return new UnpackRequest(
        snapshotter, differ, maxConcurrentUnpacks, sequential, discardLayers, v, progress);
  }

  public UnpackRequest withProgress(ProgressListener v) {
    return new UnpackRequest(
        snapshotter, differ, maxConcurrentUnpacks, sequential, discardLayers, platform, v);
  }
}
