package dev.layerd.api;

import dev.layerd.mount.Mount;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Layerd#mount} mounted.
 *
 * @param target the directory mounted on
 * @param snapshotter the snapshotter holding the snapshot
 * @param key the view or active snapshot made for the mount
 * @param parent the committed snapshot shown (an image's top chain ID)
 * @param readOnly false when changes are kept in the active snapshot {@code key}
 * @param mounts what was mounted, in order
 */
public record MountResult(
    Path target,
    String snapshotter,
    String key,
    String parent,
    boolean readOnly,
    List<Mount> mounts) {
  public MountResult {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(key, "key");
    mounts = List.copyOf(mounts);
  }
}
