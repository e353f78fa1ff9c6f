package dev.layerd.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Writes a {@link Config} as TOML, every key spelled out (defaults included), for {@code config
 * default} and {@code config dump}. {@link ConfigLoader} reads the text back to an equal config.
 * The diff service's {@code default} order is written only when it is not the built-in one (a
 * comment shows that), so that a dumped default config does not name {@code walking} and earn
 * its deprecation notice. Empty {@code root_path} keys are left out.
 */
public final class ConfigWriter {
  private static final String BUILT_IN_ORDER_COMMENT =
      "# default = [\"walking\", \"overlay\"] (built in; the walking differ is used for"
          + " sequential unpack, overlay for parallel)\n";

  private ConfigWriter() {}

  public static String toToml(Config config) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("version", config.version());
    root.put("root", config.root().toString());
    ObjectNode plugins = root.putObject(Keys.PLUGINS);

    ObjectNode diff = plugins.putObject(Keys.DIFF_SERVICE);
    List<String> order = config.diffService().defaultOrder();
    boolean builtInOrder = order.equals(DiffServiceConfig.DEFAULT_ORDER);
    if (!builtInOrder) {
      strings(diff.putArray("default"), order);
    }
    diff.put("sync_fs", config.diffService().syncFs());

    TransferConfig t = config.transfer();
    ObjectNode transfer = plugins.putObject(Keys.TRANSFER);
    transfer.put("max_concurrent_downloads", t.maxConcurrentDownloads());
    transfer.put("max_concurrent_unpacks", t.maxConcurrentUnpacks());
    transfer.put("discard_unpacked_layers", t.discardUnpackedLayers());
    ArrayNode unpack = transfer.putArray("unpack_config");
    for (UnpackConfig u : t.unpackConfig()) {
      ObjectNode e = unpack.addObject();
      e.put("platform", u.platform());
      e.put("snapshotter", u.snapshotter());
      if (!u.differ().isEmpty()) {
        e.put("differ", u.differ());
      }
    }

    ObjectNode overlayfs = plugins.putObject(Keys.OVERLAYFS);
    if (!config.overlayfs().rootPath().isEmpty()) {
      overlayfs.put("root_path", config.overlayfs().rootPath());
    }
    overlayfs.put("sync_remove", config.overlayfs().syncRemove());
    strings(overlayfs.putArray("mount_options"), config.overlayfs().mountOptions());

    ObjectNode nat = plugins.putObject(Keys.NATIVE);
    if (!config.nativeSnapshotter().rootPath().isEmpty()) {
      nat.put("root_path", config.nativeSnapshotter().rootPath());
    }
    String toml = TomlRender.render(root);
    if (builtInOrder) {
      // Spelled out, the built-in order would name walking and earn its deprecation notice.
      String header = "[" + Keys.path(List.of(Keys.PLUGINS, Keys.DIFF_SERVICE)) + "]\n";
      toml = toml.replace(header, header + BUILT_IN_ORDER_COMMENT);
    }
    return toml;
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }
}
