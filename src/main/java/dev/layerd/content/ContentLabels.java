package dev.layerd.content;

/**
 * Content labels layerd reads and writes, with containerd's names so that stores can be compared.
 */
public final class ContentLabels {
  /**
   * On a layer blob, after a verified unpack: the layer's diffID (digest of the uncompressed
   * tar). Lets a later unpack skip decompressing just to learn the diffID.
   */
  public static final String UNCOMPRESSED = "containerd.io/uncompressed";

  /**
   * Prefix of the label on an image config naming the top snapshot of the unpacked image: the
   * full key is this prefix plus the snapshotter name, the value is the top chain ID. Garbage
   * collection keeps that snapshot (and its parents) while the config is reachable.
   */
  public static final String GC_REF_SNAPSHOT_PREFIX = "containerd.io/gc.ref.snapshot.";

  private ContentLabels() {}

  /** The snapshot reference label for {@code snapshotter}, e.g. {@code ...snapshot.overlayfs}. */
  public static String gcRefSnapshot(String snapshotter) {
    if (snapshotter == null || snapshotter.isEmpty()) {
      throw new IllegalArgumentException("snapshotter name is empty");
    }
    return GC_REF_SNAPSHOT_PREFIX + snapshotter;
  }
}
