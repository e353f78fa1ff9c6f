package dev.layerd.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads layerd's TOML config.
 *
 * <p>Versions: a file without {@code version} is version 1, as containerd treats it. A file of
 * version 1 to 3 is migrated to {@link Config#CURRENT_VERSION} when loaded (see {@link
 * #migrate(String)}); the file on disk is not rewritten. Version 4 and later are read as they are;
 * a version newer than this layerd knows earns a warning.
 *
 * <p>Unknown keys are reported as {@link ConfigWarning}s (and logged at warn), not errors; a key
 * of the wrong type or an invalid value is a {@link ConfigException} naming the key. Naming the
 * {@code walking} differ explicitly is listed as a {@link Deprecation} and logged at warn once per
 * process. Thread-safe.
 */
public final class ConfigLoader {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);
  private static final AtomicBoolean WALKING_WARNED = new AtomicBoolean();

  private ConfigLoader() {}

  /** Built on first use: it costs a noticeable part of start-up, and most runs read no file. */
  private static final class Toml {
    static final TomlMapper MAPPER = new TomlMapper();
  }

  /** Loads the file at {@code path}; {@link NoSuchFileException} when there is none. */
  public static LoadedConfig load(Path path) throws IOException {
    return parse(Files.readString(path), path.toString());
  }

  /** Loads {@code path}, or the defaults when no such file exists (the CLI's default path). */
  public static LoadedConfig loadOrDefaults(Path path) throws IOException {
    try {
      return load(path);
    } catch (NoSuchFileException e) {
      return new LoadedConfig(Config.defaults(), List.of(), List.of(), OptionalInt.empty());
    }
  }

  /** Loads config text; {@code source} names it in messages (a path, or "stdin"). */
  public static LoadedConfig parse(String toml, String source) {
    ObjectNode tree = tree(toml, source);
    int version = version(tree, source);
    int migrated = Migrations.migrate(tree, version);
    List<ConfigWarning> warnings = new ArrayList<>();
    if (version > Config.CURRENT_VERSION) {
      warnings.add(
          new ConfigWarning(
              "version",
              "version "
                  + version
                  + " is newer than this layerd knows ("
                  + Config.CURRENT_VERSION
                  + "); read as version "
                  + Config.CURRENT_VERSION));
    }
    Config config = ConfigReader.read(tree, migrated, source, warnings);
    List<Deprecation> deprecations = new ArrayList<>();
    if (namesWalking(tree)) {
      deprecations.add(Deprecation.WALKING_DIFFER);
      if (WALKING_WARNED.compareAndSet(false, true)) {
        LOG.warn("config {}: {} ({})", source, Deprecation.WALKING_DIFFER.message(),
            Deprecation.WALKING_DIFFER.id());
      }
    }
    for (ConfigWarning w : warnings) {
      LOG.warn("config {}: {}", source, w);
    }
    OptionalInt from = version < migrated ? OptionalInt.of(version) : OptionalInt.empty();
    if (from.isPresent()) {
      LOG.debug("config {}: migrated from version {} to {}", source, version, migrated);
    }
    return new LoadedConfig(config, warnings, deprecations, from);
  }

  /**
   * The config text migrated to the current version, as TOML: the user's keys, unknown ones
   * included, kept in their order, with {@code version} first. Comments and layout are not kept.
   * Text already at version 4 or later is returned unchanged.
   */
  public static String migrate(String toml) {
    ObjectNode tree = tree(toml, "input");
    int version = version(tree, "input");
    if (version >= Config.CURRENT_VERSION) {
      return toml;
    }
    int migrated = Migrations.migrate(tree, version);
    ObjectNode out = tree.objectNode();
    out.put("version", migrated);
    Map<String, JsonNode> rest = new LinkedHashMap<>();
    tree.properties().forEach(e -> rest.put(e.getKey(), e.getValue()));
    rest.remove("version");
    out.setAll(rest);
    return TomlRender.render(out);
  }

  private static ObjectNode tree(String toml, String source) {
    try {
      JsonNode n = Toml.MAPPER.readTree(toml);
      return n instanceof ObjectNode o ? o : Toml.MAPPER.createObjectNode();
    } catch (JacksonException e) {
      throw new ConfigException(source, "", "invalid TOML: " + e.getOriginalMessage(), e);
    }
  }

  private static int version(ObjectNode tree, String source) {
    JsonNode v = tree.get("version");
    if (v == null) {
      // containerd reads a file without a version as version 1.
      return 1;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
      throw new ConfigException(source, "version", "must be an integer of 1 or more, got " + v);
    }
    return v.intValue();
  }

  private static boolean namesWalking(ObjectNode tree) {
    JsonNode order = tree.path(Keys.PLUGINS).path(Keys.DIFF_SERVICE).path("default");
    for (JsonNode n : order) {
      if (n.isTextual() && n.textValue().equals("walking")) {
        return true;
      }
    }
    return false;
  }
}
