package dev.layerd.testing;

import dev.layerd.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds a layer tar in code: directories, files, links, whiteouts, xattrs. */
public final class LayerBuilder {
  private final List<Consumer<TarArchiveOutputStream>> entries = new ArrayList<>();

  public LayerBuilder dir(String name, int mode, int uid, int gid) {
    return add(
        name.endsWith("/") ? name : name + "/",
        TarConstants.LF_DIR,
        mode,
        uid,
        gid,
        null,
        null,
        Map.of());
  }

  public LayerBuilder dir(String name, int mode, int uid, int gid, Map<String, String> xattrs) {
    return add(
        name.endsWith("/") ? name : name + "/",
        TarConstants.LF_DIR,
        mode,
        uid,
        gid,
        null,
        null,
        xattrs);
  }

  public LayerBuilder file(String name, String content) {
    return file(name, content, 0644, 0, 0);
  }

  public LayerBuilder file(String name, String content, int mode, int uid, int gid) {
    return add(
        name,
        TarConstants.LF_NORMAL,
        mode,
        uid,
        gid,
        content.getBytes(StandardCharsets.UTF_8),
        null,
        Map.of());
  }

  public LayerBuilder symlink(String name, String target) {
    return add(name, TarConstants.LF_SYMLINK, 0777, 0, 0, null, target, Map.of());
  }

  public LayerBuilder hardlink(String name, String target) {
    return add(name, TarConstants.LF_LINK, 0644, 0, 0, null, target, Map.of());
  }

  /** {@code DIR/.wh.NAME}: deletes {@code DIR/NAME} of lower layers. */
  public LayerBuilder whiteout(String path) {
    int slash = path.lastIndexOf('/');
    String name =
        slash < 0
            ? ".wh." + path
            : path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
    return add(name, TarConstants.LF_NORMAL, 0644, 0, 0, new byte[0], null, Map.of());
  }

  /** {@code DIR/.wh..wh..opq}: hides everything lower layers put in {@code DIR}. */
  public LayerBuilder opaque(String dir) {
    return add(
        dir + "/.wh..wh..opq", TarConstants.LF_NORMAL, 0644, 0, 0, new byte[0], null, Map.of());
  }

  private LayerBuilder add(
      String name,
      byte type,
      int mode,
      int uid,
      int gid,
      byte[] data,
      String link,
      Map<String, String> xattrs) {
    entries.add(
        tar -> {
          try {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setMode(mode);
            e.setIds(uid, gid);
            e.setModTime(1_600_000_000_000L);
            if (link != null) {
              e.setLinkName(link);
            }
            xattrs.forEach((k, v) -> e.addPaxHeader("SCHILY.xattr." + k, v));
            if (data != null) {
              e.setSize(data.length);
            }
            tar.putArchiveEntry(e);
            if (data != null) {
              tar.write(data);
            }
            tar.closeArchiveEntry();
          } catch (IOException x) {
            throw new UncheckedIOException(x);
          }
        });
    return this;
  }

  /** The uncompressed tar. */
  public byte[] tar() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (Consumer<TarArchiveOutputStream> e : entries) {
        e.accept(tar);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The gzip-compressed tar. */
  public byte[] tarGz() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(tar());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The diffID: sha256 of the uncompressed tar. */
  public Digest diffId() {
    return Digest.sha256(tar());
  }
}
