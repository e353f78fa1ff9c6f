package dev.layerd.config;

import dev.layerd.errdefs.InvalidArgumentException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The effective layerd configuration, as read from TOML (see {@link ConfigLoader}) or built from
 * {@link #defaults()}. Section names follow containerd's, so a reader of containerd's config finds
 * the same keys:
 *
 * <pre>
 * version = 4
 * root = "/var/lib/layerd"
 * [plugins."io.containerd.service.v1.diff-service"]   -> {@link DiffServiceConfig}
 * [plugins."io.containerd.transfer.v1.local"]         -> {@link TransferConfig}
 * [plugins."io.containerd.snapshotter.v1.overlayfs"]  -> {@link OverlayfsConfig}
 * [plugins."io.containerd.snapshotter.v1.native"]     -> {@link NativeConfig}
 * </pre>
 *
 * @param version the file format version; {@link #CURRENT_VERSION} after loading older files
 * @param root the state directory (content, snapshots, metadata.db); absolute. Default {@link
 *     #DEFAULT_ROOT}; rootless callers pass their own (for example {@code $XDG_DATA_HOME/layerd})
 */
public record Config(
    int version,
    Path root,
    DiffServiceConfig diffService,
    TransferConfig transfer,
    OverlayfsConfig overlayfs,
    NativeConfig nativeSnapshotter) {
  /** The version this layerd writes; older files are migrated to it when loaded. */
  public static final int CURRENT_VERSION = 4;

  /** Where the CLI looks when no {@code --config} is given. */
  public static final Path DEFAULT_PATH = Path.of("/etc/layerd/config.toml");

  public static final Path DEFAULT_ROOT = Path.of("/var/lib/layerd");

  public Config {
    if (version < 1) {
      throw new InvalidArgumentException("config version must be 1 or more, got " + version);
    }
    Objects.requireNonNull(root, "root");
    if (!root.isAbsolute()) {
      throw new InvalidArgumentException("config root must be an absolute path, got " + root);
    }
    Objects.requireNonNull(diffService, "diffService");
    Objects.requireNonNull(transfer, "transfer");
    Objects.requireNonNull(overlayfs, "overlayfs");
    Objects.requireNonNull(nativeSnapshotter, "nativeSnapshotter");
  }

  /** Every default: version 4, root {@code /var/lib/layerd}, and each section's defaults. */
  public static Config defaults() {
    return new Config(
        CURRENT_VERSION,
        DEFAULT_ROOT,
        DiffServiceConfig.defaults(),
        TransferConfig.defaults(),
        OverlayfsConfig.defaults(),
        NativeConfig.defaults());
  }

  public Config withRoot(Path root) {
    return new Config(version, root, diffService, transfer, overlayfs, nativeSnapshotter);
  }

  public Config withDiffService(DiffServiceConfig diffService) {
    return new Config(version, root, diffService, transfer, overlayfs, nativeSnapshotter);
  }

  public Config withTransfer(TransferConfig transfer) {
    return new Config(version, root, diffService, transfer, overlayfs, nativeSnapshotter);
  }
}
