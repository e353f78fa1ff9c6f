package dev.layerd.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.layerd.errdefs.InvalidArgumentException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a (migrated) TOML tree into a {@link Config}, collecting unknown keys as warnings. */
final class ConfigReader {
  private ConfigReader() {}

  static Config read(ObjectNode tree, int version, String source, List<ConfigWarning> warnings) {
    Config d = Config.defaults();
    Table top = new Table(tree, List.of(), source);
    top.integer("version", version);
    String root = top.string("root", d.root().toString());
    if (!Path.of(root).isAbsolute()) {
      throw top.invalid("root", "must be an absolute path, got " + root);
    }
    Table plugins = top.table(Keys.PLUGINS);
    Config c =
        new Config(
            version,
            Path.of(root),
            diffService(plugins.table(Keys.DIFF_SERVICE)),
            transfer(plugins.table(Keys.TRANSFER)),
            overlayfs(plugins.table(Keys.OVERLAYFS)),
            nativeSnapshotter(plugins.table(Keys.NATIVE)));
    top.reportUnknown(warnings);
    return c;
  }

  private static DiffServiceConfig diffService(Table t) {
    DiffServiceConfig d = DiffServiceConfig.defaults();
    List<String> order = t.strings("default", d.defaultOrder());
    boolean syncFs = t.bool("sync_fs", d.syncFs());
    try {
      return new DiffServiceConfig(order, syncFs);
    } catch (InvalidArgumentException e) {
      throw t.invalid("default", e.getMessage());
    }
  }

  private static TransferConfig transfer(Table t) {
    TransferConfig d = TransferConfig.defaults();
    int downloads = t.integer("max_concurrent_downloads", d.maxConcurrentDownloads());
    if (downloads < 1) {
      throw t.invalid("max_concurrent_downloads", "must be 1 or more, got " + downloads);
    }
    int unpacks = t.integer("max_concurrent_unpacks", d.maxConcurrentUnpacks());
    if (unpacks < 1) {
      throw t.invalid("max_concurrent_unpacks", "must be 1 or more, got " + unpacks);
    }
    List<UnpackConfig> unpack = new ArrayList<>();
    for (Table u : t.tables("unpack_config")) {
      String platform = u.string("platform", "");
      String snapshotter = u.string("snapshotter", "");
      if (platform.isEmpty()) {
        throw u.invalid("platform", "is required in every unpack_config entry");
      }
      if (snapshotter.isEmpty()) {
        throw u.invalid("snapshotter", "is required in every unpack_config entry");
      }
      unpack.add(new UnpackConfig(platform, snapshotter, u.string("differ", "")));
    }
    boolean discard = t.bool("discard_unpacked_layers", d.discardUnpackedLayers());
    return new TransferConfig(downloads, unpacks, unpack, discard);
  }

  private static OverlayfsConfig overlayfs(Table t) {
    OverlayfsConfig d = OverlayfsConfig.defaults();
    return new OverlayfsConfig(
        t.string("root_path", d.rootPath()),
        t.bool("sync_remove", d.syncRemove()),
        t.strings("mount_options", d.mountOptions()));
  }

  private static NativeConfig nativeSnapshotter(Table t) {
    return new NativeConfig(t.string("root_path", NativeConfig.defaults().rootPath()));
  }
}
