package dev.layerd.unpack;

import dev.layerd.archive.Archives;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Set;

/** Reads the entry names of a layer (plain, gzip or zstd tar) without extracting anything. */
final class LayerPaths {
  private LayerPaths() {}

  /**
   * The normalized paths (no leading {@code /} or {@code ./}, no trailing {@code /}, no {@code .}
   * components) of every entry in the layer. Reads {@code layer} to the end of the tar and closes
   * it.
   */
  static Set<String> listed(InputStream layer) throws IOException {
    Set<String> out = new HashSet<>();
    try (InputStream plain = Archives.uncompressed(layer)) {
      Archives.forEachEntryName(
          plain,
          name -> {
            String p = normalize(name);
            if (!p.isEmpty()) {
              out.add(p);
            }
          });
    }
    return out;
  }

  /** {@code ./a//b/./c/} becomes {@code a/b/c}; the root becomes the empty string. */
  static String normalize(String name) {
    StringBuilder b = new StringBuilder(name.length());
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (!b.isEmpty()) {
        b.append('/');
      }
      b.append(part);
    }
    return b.toString();
  }
}
