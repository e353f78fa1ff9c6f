package dev.layerd.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * {@code [plugins."io.containerd.snapshotter.v1.overlayfs"]}.
 *
 * @param rootPath key {@code root_path}: where snapshots live; empty (the default) means {@code
 *     <root>/snapshots/overlayfs}
 * @param syncRemove key {@code sync_remove}: remove snapshot directories before returning instead
 *     of in the background. Default false
 * @param mountOptions key {@code mount_options}: extra overlay options on every mount, for example
 *     {@code ["userxattr"]} for rootless use. Default none
 */
public record OverlayfsConfig(String rootPath, boolean syncRemove, List<String> mountOptions) {
  public OverlayfsConfig {
    Objects.requireNonNull(rootPath, "rootPath");
    mountOptions = List.copyOf(mountOptions);
  }

  public static OverlayfsConfig defaults() {
    return new OverlayfsConfig("", false, List.of());
  }

  /** {@link #rootPath()}, or its default under the layerd {@code root}. */
  public Path resolveRootPath(Path root) {
    return rootPath.isEmpty() ? root.resolve("snapshots/overlayfs") : Path.of(rootPath);
  }
}
