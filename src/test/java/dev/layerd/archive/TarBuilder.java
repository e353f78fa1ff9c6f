package dev.layerd.archive;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds layer tars in memory for tests. Every entry is 0/0 and dated 2001 unless told. */
final class TarBuilder {
  static final Instant WHEN = Instant.parse("2001-09-09T01:46:40.123456789Z");

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream out;

  TarBuilder() {
    out = new TarArchiveOutputStream(bytes);
    // names, times and xattrs travel in one PAX header written here (the writer would round
    // times to 100 ns and split the header)
    out.setLongFileMode(TarArchiveOutputStream.LONGFILE_TRUNCATE);
    out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    out.setAddPaxHeadersForNonAsciiNames(false);
  }

  /** Options for one entry. */
  static final class Opts {
    int uid;
    int gid;
    Integer mode;
    Instant mtime = WHEN;
    Instant atime;
    final Map<String, String> xattrs = new LinkedHashMap<>();

    Opts owner(int u, int g) {
      uid = u;
      gid = g;
      return this;
    }

    Opts mode(int m) {
      mode = m;
      return this;
    }

    Opts mtime(Instant t) {
      mtime = t;
      return this;
    }

    Opts atime(Instant t) {
      atime = t;
      return this;
    }

    Opts xattr(String k, String v) {
      xattrs.put(k, v);
      return this;
    }
  }

  static Opts with() {
    return new Opts();
  }

  TarBuilder dir(String name) {
    return dir(name, with());
  }

  TarBuilder dir(String name, Opts o) {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    e.setMode(TarArchiveEntry.DEFAULT_DIR_MODE & 07777);
    return put(e, o, null);
  }

  TarBuilder file(String name, String content) {
    return file(name, content, with());
  }

  TarBuilder file(String name, String content, Opts o) {
    return file(name, content.getBytes(StandardCharsets.UTF_8), o);
  }

  TarBuilder file(String name, byte[] content, Opts o) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0644);
    e.setSize(content.length);
    return put(e, o, content);
  }

  TarBuilder symlink(String name, String target) {
    return symlink(name, target, with());
  }

  TarBuilder symlink(String name, String target, Opts o) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
    e.setLinkName(target);
    e.setMode(0777);
    return put(e, o, null);
  }

  TarBuilder hardlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
    e.setLinkName(target);
    e.setMode(0644);
    return put(e, with(), null);
  }

  TarBuilder node(String name, byte type, int major, int minor, Opts o) {
    TarArchiveEntry e = new TarArchiveEntry(name, type);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    e.setMode(0640);
    return put(e, o, null);
  }

  TarBuilder whiteout(String dir, String name) {
    return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, "", with());
  }

  TarBuilder opaque(String dir) {
    return file((dir.isEmpty() ? "" : dir + "/") + ".wh..wh..opq", "", with());
  }

  /** A PAX extended header with raw (possibly binary) record values, for the next entry. */
  /** A PAX global header ('g') with these (text) records. */
  TarBuilder globalPax(Map<String, String> records) {
    TarArchiveEntry e =
        new TarArchiveEntry("GlobalHead.0", TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER);
    records.forEach(e::addPaxHeader);
    try {
      out.putArchiveEntry(e); // the writer writes the records and closes the entry itself
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return this;
  }

  TarBuilder pax(Map<String, byte[]> records) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> r : records.entrySet()) {
      byte[] k = r.getKey().getBytes(StandardCharsets.UTF_8);
      int rest = 1 + k.length + 1 + r.getValue().length + 1;
      int len = rest + 1;
      while (len != rest + Integer.toString(len).length()) {
        len = rest + Integer.toString(len).length();
      }
      body.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
      body.writeBytes(k);
      body.write('=');
      body.writeBytes(r.getValue());
      body.write('\n');
    }
    TarArchiveEntry e = new TarArchiveEntry("PaxHeaders/x", TarConstants.LF_PAX_EXTENDED_HEADER_LC);
    e.setSize(body.size());
    try {
      out.putArchiveEntry(e);
      out.write(body.toByteArray());
      out.closeArchiveEntry();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return this;
  }

  /** An entry as given, for odd headers. */
  TarBuilder raw(TarArchiveEntry e, byte[] content) {
    return put(e, with(), content);
  }

  private TarBuilder put(TarArchiveEntry e, Opts o, byte[] content) {
    try {
      e.setUserId(o.uid);
      e.setGroupId(o.gid);
      if (o.mode != null) {
        e.setMode(o.mode);
      }
      e.setLastModifiedTime(FileTime.from(o.mtime.getEpochSecond(), TimeUnit.SECONDS));
      Map<String, byte[]> pax = new LinkedHashMap<>();
      pax.put("path", e.getName().getBytes(StandardCharsets.UTF_8));
      if (!e.getLinkName().isEmpty()) {
        pax.put("linkpath", e.getLinkName().getBytes(StandardCharsets.UTF_8));
      }
      pax.put("mtime", time(o.mtime));
      if (o.atime != null) {
        pax.put("atime", time(o.atime));
      }
      for (Map.Entry<String, String> x : o.xattrs.entrySet()) {
        pax.put("SCHILY.xattr." + x.getKey(), x.getValue().getBytes(StandardCharsets.UTF_8));
      }
      pax(pax);
      out.putArchiveEntry(e);
      if (content != null) {
        out.write(content);
      }
      out.closeArchiveEntry();
      return this;
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
  }

  private static byte[] time(Instant t) {
    return (t.getEpochSecond() + "." + String.format("%09d", t.getNano()))
        .getBytes(StandardCharsets.US_ASCII);
  }

  byte[] bytes() {
    try {
      out.finish();
      out.close();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return bytes.toByteArray();
  }

  InputStream stream() {
    return new ByteArrayInputStream(bytes());
  }
}
