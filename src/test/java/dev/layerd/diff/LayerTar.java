package dev.layerd.diff;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Builds small layer tars in code. */
final class LayerTar {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

  LayerTar dir(String name) {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    e.setMode(040755);
    return add(e, new byte[0]);
  }

  LayerTar file(String name, String content) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100644);
    return add(e, content.getBytes(StandardCharsets.UTF_8));
  }

  /** The OCI whiteout for {@code dir/name}: an empty file {@code dir/.wh.name}. */
  LayerTar whiteout(String dir, String name) {
    return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, "");
  }

  LayerTar opaque(String dir) {
    return file(dir + "/.wh..wh..opq", "");
  }

  /** The finished, uncompressed tar. */
  byte[] tar() {
    try {
      tar.finish();
      tar.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private LayerTar add(TarArchiveEntry e, byte[] data) {
    try {
      e.setSize(data.length);
      e.setModTime(1_700_000_000_000L);
      tar.putArchiveEntry(e);
      tar.write(data);
      tar.closeArchiveEntry();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return this;
  }
}
