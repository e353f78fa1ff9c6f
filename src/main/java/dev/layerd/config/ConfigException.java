package dev.layerd.config;

import dev.layerd.errdefs.InvalidArgumentException;

/** A config file that cannot be used: bad TOML, a wrong type or value, naming file and key. */
public class ConfigException extends InvalidArgumentException {
  private final String source;
  private final String key;

  public ConfigException(String source, String key, String problem) {
    this(source, key, problem, null);
  }

  public ConfigException(String source, String key, String problem, Throwable cause) {
    super("config " + source + (key.isEmpty() ? "" : ": key " + key) + ": " + problem, cause);
    this.source = source;
    this.key = key;
  }

  /** The file (or other origin) of the config text. */
  public String source() {
    return source;
  }

  /** The dotted key path at fault; empty for the file as a whole. */
  public String key() {
    return key;
  }
}
