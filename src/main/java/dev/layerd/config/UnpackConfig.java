package dev.layerd.config;

import java.util.Objects;

/**
 * One {@code unpack_config} entry: unpack images for {@code platform} (for example {@code
 * linux/amd64}) into {@code snapshotter}, applying with {@code differ} (empty: the diff service's
 * order).
 */
public record UnpackConfig(String platform, String snapshotter, String differ) {
  public UnpackConfig {
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(snapshotter, "snapshotter");
    differ = differ == null ? "" : differ;
  }
}
