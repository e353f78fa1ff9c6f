package dev.layerd.config;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Section names and TOML key spelling. */
final class Keys {
  static final String PLUGINS = "plugins";
  static final String DIFF_SERVICE = "io.containerd.service.v1.diff-service";
  static final String TRANSFER = "io.containerd.transfer.v1.local";
  static final String OVERLAYFS = "io.containerd.snapshotter.v1.overlayfs";
  static final String NATIVE = "io.containerd.snapshotter.v1.native";

  private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern INDEXED = Pattern.compile("(.*)(\\[[0-9]+\\])");

  private Keys() {}

  /** One key as TOML writes it: bare when it can be, else quoted. */
  static String key(String k) {
    return BARE.matcher(k).matches() ? k : TomlRender.string(k);
  }

  /**
   * A dotted key path, each part spelled as TOML wants it; a part {@code name[i]} (an element of
   * an array of tables, in messages) keeps its index outside the quotes.
   */
  static String path(List<String> parts) {
    StringBuilder b = new StringBuilder();
    for (String p : parts) {
      Matcher m = INDEXED.matcher(p);
      b.append(b.isEmpty() ? "" : ".");
      b.append(m.matches() ? key(m.group(1)) + m.group(2) : key(p));
    }
    return b.toString();
  }
}
