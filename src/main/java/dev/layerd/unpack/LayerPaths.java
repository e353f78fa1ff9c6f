package dev.layerd.unpack;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Reads the entry names of a layer (plain, gzip or zstd tar) without extracting anything. */
final class LayerPaths {
  private LayerPaths() {}

  /**
   * The normalized paths (no leading {@code /} or {@code ./}, no trailing {@code /}, no {@code .}
   * components) of every entry in the layer. Reads {@code layer} to the end of the tar; does not
   * close it.
   */
  static Set<String> listed(InputStream layer) throws IOException {
    BufferedInputStream in = new BufferedInputStream(layer, 64 * 1024);
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    InputStream plain;
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      plain = new GZIPInputStream(in, 64 * 1024);
    } else if (magic.length == 4
        && (magic[0] & 0xff) == 0x28
        && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      plain = new ZstdInputStream(in);
    } else {
      plain = in;
    }
    Set<String> out = new HashSet<>();
    TarArchiveInputStream tar = new TarArchiveInputStream(plain);
    for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
      String p = normalize(e.getName());
      if (!p.isEmpty()) {
        out.add(p);
      }
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
