package dev.layerd.config;

import dev.layerd.errdefs.InvalidArgumentException;
import java.util.List;

/**
 * {@code [plugins."io.containerd.transfer.v1.local"]}.
 *
 * @param maxConcurrentDownloads key {@code max_concurrent_downloads}: blobs fetched at once.
 *     Default 3 (as containerd)
 * @param maxConcurrentUnpacks key {@code max_concurrent_unpacks}: layers applied at once. Default
 *     {@link #DEFAULT_MAX_CONCURRENT_UNPACKS}; containerd's default is 1 (sequential), layerd's is
 *     parallel because its overlay differ makes parallel application correct. 1 means sequential
 * @param unpackConfig key {@code unpack_config}: which snapshotter and differ to unpack with per
 *     platform. Default empty: the host platform, the overlayfs snapshotter, the diff service's
 *     order
 * @param discardUnpackedLayers key {@code discard_unpacked_layers}: drop compressed blobs once
 *     unpacked. Default false
 */
public record TransferConfig(
    int maxConcurrentDownloads,
    int maxConcurrentUnpacks,
    List<UnpackConfig> unpackConfig,
    boolean discardUnpackedLayers) {
  public static final int DEFAULT_MAX_CONCURRENT_DOWNLOADS = 3;
  public static final int DEFAULT_MAX_CONCURRENT_UNPACKS = 4;

  public TransferConfig {
    if (maxConcurrentDownloads < 1) {
      throw new InvalidArgumentException(
          "max_concurrent_downloads must be 1 or more, got " + maxConcurrentDownloads);
    }
    if (maxConcurrentUnpacks < 1) {
      throw new InvalidArgumentException(
          "max_concurrent_unpacks must be 1 or more, got " + maxConcurrentUnpacks);
    }
    unpackConfig = List.copyOf(unpackConfig);
  }

  public static TransferConfig defaults() {
    return new TransferConfig(
        DEFAULT_MAX_CONCURRENT_DOWNLOADS, DEFAULT_MAX_CONCURRENT_UNPACKS, List.of(), false);
  }
}
