package dev.layerd.snapshots;

import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.metadata.MetadataDatabase;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens the snapshotters layerd ships. Each keeps its directories under {@code
 * <root>/snapshots/<name>/}, or in a directory of its own given with the {@code ...In} factories
 * (the config's {@code root_path}), and its metadata in {@code db} (tables keyed by the
 * snapshotter's name, so both can share one database). Opening repairs what an earlier crash left
 * behind. The caller keeps ownership of {@code db} and closes it after the snapshotter.
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
    return overlayIn(home(root, OVERLAYFS), db, options);
  }

  /** The overlay snapshotter keeping its directories in {@code home}. */
  public static Snapshotter overlayIn(Path home, MetadataDatabase db, OverlayOptions options)
      throws IOException {
    return LocalSnapshotter.open(home, db, new OverlayBackend(options));
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
    return nativeCopyIn(home(root, NATIVE), db, options);
  }

  /** The native snapshotter keeping its directories in {@code home}. */
  public static Snapshotter nativeCopyIn(Path home, MetadataDatabase db, NativeOptions options)
      throws IOException {
    return LocalSnapshotter.open(home, db, new NativeBackend(options));
  }

  /** Where the snapshotter {@code name} keeps its directories by default. */
  public static Path home(Path root, String name) {
    return root.resolve("snapshots").resolve(name);
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
