package dev.layerd.api;

import java.nio.file.Path;

/**
 * How to open a layerd root.
 *
 * @param root the state directory; null takes the config file's {@code root}, which defaults to
 *     {@code /var/lib/layerd} as root and {@code $XDG_DATA_HOME/layerd} (or {@code
 *     ~/.local/share/layerd}) otherwise
 * @param configFile the TOML config; null reads {@code /etc/layerd/config.toml} when it exists and
 *     uses the built-in defaults otherwise. A file given here must exist
 */
public record LayerdOptions(Path root, Path configFile) {

  /** The config's root and the default config file. */
  public static LayerdOptions defaults() {
    return new LayerdOptions(null, null);
  }

  public LayerdOptions withRoot(Path root) {
    return new LayerdOptions(root, configFile);
  }

  public LayerdOptions withConfigFile(Path configFile) {
    return new LayerdOptions(root, configFile);
  }
}
