package dev.layerd.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code [plugins."io.containerd.snapshotter.v1.native"]}.
 *
 * @param rootPath key {@code root_path}: where snapshots live; empty (the default) means {@code
 *     <root>/snapshots/native}
 */
public record NativeConfig(String rootPath) {
  public NativeConfig {
    Objects.requireNonNull(rootPath, "rootPath");
  }

  public static NativeConfig defaults() {
    return new NativeConfig("");
  }

  /** {@link #rootPath()}, or its default under the layerd {@code root}. */
  public Path resolveRootPath(Path root) {
    return rootPath.isEmpty() ? root.resolve("snapshots/native") : Path.of(rootPath);
  }
}
