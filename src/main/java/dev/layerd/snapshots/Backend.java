package dev.layerd.snapshots;

import dev.layerd.mount.Mount;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** What differs between the overlay and native snapshotters; LocalSnapshotter does the rest. */
sealed interface Backend permits OverlayBackend, NativeBackend {
  String name();

  Set<Capability> capabilities();

  boolean syncRemove();

  /**
   * Fills a new snapshot directory, which already holds an empty {@code fs}, before it is
   * published. {@code parents} are the ancestors' {@code fs} directories, nearest first.
   */
  void populate(Path dir, Kind kind, List<Path> parents) throws IOException;

  /** The mounts showing an active snapshot or view in {@code dir} over {@code parents}. */
  List<Mount> mounts(Path dir, Kind kind, List<Path> parents);
}
