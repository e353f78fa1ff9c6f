package dev.layerd.unpack;

import java.util.Objects;

/**
 * How to unpack one image.
 *
 * @param maxConcurrentUnpacks how many layers may be applied at once in parallel mode (at least 1;
 *     1 means sequential)
 * @param sequential never apply in parallel, even where the snapshotter and differ could
 * @param discardLayers delete each layer's compressed blob once its snapshot is committed, unless
 *     another image still needs it
 * @param syncFs ask the differ to sync each layer's filesystem before it is committed
 * @param progress receives per-layer progress; see {@link ProgressListener} for its contract
 */
public record UnpackOptions(
    int maxConcurrentUnpacks,
    boolean sequential,
    boolean discardLayers,
    boolean syncFs,
    ProgressListener progress) {

  /** The default bound on concurrent layer applies: the number of processors, at least 2. */
  public static final int DEFAULT_MAX_CONCURRENT_UNPACKS =
      Math.max(2, Runtime.getRuntime().availableProcessors());

  public UnpackOptions {
    if (maxConcurrentUnpacks < 1) {
      throw new IllegalArgumentException(
          "max_concurrent_unpacks must be at least 1, got " + maxConcurrentUnpacks);
    }
    progress = Objects.requireNonNullElse(progress, ProgressListener.NONE);
  }

  /** Parallel where possible, {@link #DEFAULT_MAX_CONCURRENT_UNPACKS}, keep blobs, no sync. */
  public static UnpackOptions defaults() {
    return new UnpackOptions(DEFAULT_MAX_CONCURRENT_UNPACKS, false, false, false, null);
  }

  public UnpackOptions withMaxConcurrentUnpacks(int n) {
    return new UnpackOptions(n, sequential, discardLayers, syncFs, progress);
  }

  public UnpackOptions withSequential(boolean v) {
    return new UnpackOptions(maxConcurrentUnpacks, v, discardLayers, syncFs, progress);
  }

  public UnpackOptions withDiscardLayers(boolean v) {
    return new UnpackOptions(maxConcurrentUnpacks, sequential, v, syncFs, progress);
  }

  public UnpackOptions withSyncFs(boolean v) {
    return new UnpackOptions(maxConcurrentUnpacks, sequential, discardLayers, v, progress);
  }

  public UnpackOptions withProgress(ProgressListener p) {
    return new UnpackOptions(maxConcurrentUnpacks, sequential, discardLayers, syncFs, p);
  }
}
