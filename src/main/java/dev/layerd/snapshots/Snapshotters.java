package dev.layerd.snapshots;

import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.metadata.MetadataDatabase;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens the snapshotters layerd ships. Each keeps its directories under {@code
 * <root>/snapshots/<name>/} and its metadata in {@code db} (tables keyed by the snapshotter's
 * name, so both can share one database). Opening repairs what an earlier crash left behind. The
 * caller keeps ownership of {@code db} and closes it after the snapshotter.
 */
public final class Snapshotters {
  /** Name of the overlay snapshotter, as in containerd. */
  public static final String OVERLAYFS = OverlayBackend.NAME;

  /** Name of the copying snapshotter, as in containerd. */
  public static final String NATIVE = NativeBackend.NAME;

  private Snapshotters() {}

  /** The overlay snapshotter with {@link OverlayOptions#defaults()}. */
  public static Snapshotter overlay(Path root, MetadataDatabase db) throws IOException {
    return overlay(root, db, OverlayOptions.defaults());
  }

  /**
   * The overlay snapshotter: layers stacked by overlayfs, {@link Capability#REBASE} supported.
   */
  public static Snapshotter overlay(Path root, MetadataDatabase db, OverlayOptions options)
      throws IOException {
    return LocalSnapshotter.open(root, db, new OverlayBackend(options));
  }

  /** The native snapshotter with {@link NativeOptions#defaults()}. */
  public static Snapshotter nativeCopy(Path root, MetadataDatabase db) throws IOException {
    return nativeCopy(root, db, NativeOptions.defaults());
  }

  /**
   * The native snapshotter: every snapshot is a full copy of its parent's tree, mounted with a
   * bind mount; works on any filesystem, costs space and time per layer; no rebase.
   */
  public static Snapshotter nativeCopy(Path root, MetadataDatabase db, NativeOptions options)
      throws IOException {
    return LocalSnapshotter.open(root, db, new NativeBackend(options));
  }

  /** The snapshotter called {@code name} ({@value #OVERLAYFS} or {@value #NATIVE}), defaults. */
  public static Snapshotter open(String name, Path root, MetadataDatabase db) throws IOException {
    return switch (name) {
      case OVERLAYFS, "overlay" -> overlay(root, db);
      case NATIVE -> nativeCopy(root, db);
      default ->
          throw new InvalidArgumentException(
              "unknown snapshotter " + name + " (known: " + OVERLAYFS + ", " + NATIVE + ")");
    };
  }
}
