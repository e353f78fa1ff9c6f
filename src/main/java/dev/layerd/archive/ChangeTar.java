package dev.layerd.archive;

import dev.layerd.linux.Fd;
import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Names;
import dev.layerd.linux.Statx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes change entries as a PAX tar. The PAX extended header is built here, not by the tar
 * library, because the library only takes PAX values as text and xattr values (for example
 * security.capability) are binary; the ustar header then carries short, in-range fields so the
 * library adds no extended header of its own.
 */
final class ChangeTar implements AutoCloseable {
  private static final String PAX_NAME = "././@PaxHeader";
  private static final int NAME_FIELD = 100;
  private static final long MAX_OCTAL_ID = 07777777L;
  private static final long MAX_OCTAL_SIZE = 077777777777L;

  private final TarArchiveOutputStream tar;
  private final Instant clamp;

  /** {@code clamp}: latest mtime written, or null. Does not close {@code out}. */
  ChangeTar(OutputStream out, Instant clamp) {
    this.tar = new TarArchiveOutputStream(new NonClosing(out), 512, StandardCharsets.UTF_8.name());
    // names and numbers that need it go into our own PAX header; the STAR binary form only
    // covers the ustar fields of values too large for octal, which that header also carries
    this.tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    this.tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
    this.clamp = clamp;
  }

  /** The file {@code path} (statted as {@code st}) as entry {@code name}, content included. */
  void file(String name, String path, Statx st, Map<String, byte[]> xattrs) throws IOException {
    byte type = TarConstants.LF_NORMAL;
    String link = null;
    long size = 0;
    if (st.isDirectory()) {
      type = TarConstants.LF_DIR;
      name = name + "/";
    } else if (st.isSymlink()) {
      type = TarConstants.LF_SYMLINK;
      link = FileCalls.readlinkat(FileCalls.AT_FDCWD, path);
    } else if (st.isRegular()) {
      size = st.size();
    } else if (st.isCharDevice()) {
      type = TarConstants.LF_CHR;
    } else if ((st.mode() & 0170000) == 0060000) {
      type = TarConstants.LF_BLK;
    } else if ((st.mode() & 0170000) == 0010000) {
      type = TarConstants.LF_FIFO;
    } else {
      throw new IOException(
          "cannot write " + path + " into a layer: file type " + Integer.toOctalString(st.mode()));
    }
    TarArchiveEntry e = entry(name, type, link, st, size, xattrs);
    if (type == TarConstants.LF_CHR || type == TarConstants.LF_BLK) {
      e.setDevMajor(st.rdevMajor());
      e.setDevMinor(st.rdevMinor());
    }
    tar.putArchiveEntry(e);
    if (size > 0) {
      try (Fd fd = FileCalls.open(path, FileCalls.O_RDONLY | FileCalls.O_NOFOLLOW)) {
        long copied = fd.inputStream().transferTo(tar);
        if (copied != size) {
          throw new IOException(
              "file " + path + " changed while it was read: " + copied + " bytes, " + size
                  + " expected");
        }
      }
    }
    tar.closeArchiveEntry();
  }

  /** A hardlink entry {@code name} to the earlier entry {@code target}. */
  void hardlink(String name, String target, Statx st, Map<String, byte[]> xattrs)
      throws IOException {
    tar.putArchiveEntry(entry(name, TarConstants.LF_LINK, target, st, 0, xattrs));
    tar.closeArchiveEntry();
  }

  /** An empty regular file named {@code name} (a whiteout, {@code dir/.wh.base}). */
  void whiteout(String name) throws IOException {
    byte[] nameBytes = Names.encode(name);
    if (!Names.isUtf8(nameBytes)) {
      ByteArrayOutputStream pax = new ByteArrayOutputStream();
      name = inPax(pax, "path", name, nameBytes);
      writePax(pax, Instant.EPOCH);
    }
    TarArchiveEntry e = plain(name, TarConstants.LF_NORMAL);
    e.setMode(0100000);
    e.setModTime(FileTime.from(Instant.EPOCH));
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  /** Writes the end-of-archive blocks; the underlying stream stays open. */
  void finish() throws IOException {
    tar.finish();
    tar.flush();
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }

  private TarArchiveEntry entry(
      String name, byte type, String link, Statx st, long size, Map<String, byte[]> xattrs)
      throws IOException {
    Instant mtime = Instant.ofEpochSecond(st.mtimeSec(), st.mtimeNsec());
    if (clamp != null && mtime.isAfter(clamp)) {
      mtime = clamp;
    }
    ByteArrayOutputStream pax = new ByteArrayOutputStream();
    // a name too long for the header, or one that is not UTF-8, goes whole into a PAX record
    // as its bytes (as GNU tar writes it); the header keeps a readable tail
    String shortName = name;
    byte[] nameBytes = Names.encode(name);
    if (nameBytes.length >= NAME_FIELD || !Names.isUtf8(nameBytes)) {
      shortName = inPax(pax, "path", name, nameBytes);
    }
    String shortLink = link;
    byte[] linkBytes = link == null ? null : Names.encode(link);
    if (link != null && (linkBytes.length >= NAME_FIELD || !Names.isUtf8(linkBytes))) {
      shortLink = inPax(pax, "linkpath", link, linkBytes);
    }
    if (mtime.getNano() != 0) {
      record(pax, "mtime", utf8(String.format("%d.%09d", mtime.getEpochSecond(), mtime.getNano())));
    }
    long uid = Integer.toUnsignedLong(st.uid());
    long gid = Integer.toUnsignedLong(st.gid());
    if (uid > MAX_OCTAL_ID) {
      record(pax, "uid", utf8(Long.toString(uid)));
    }
    if (gid > MAX_OCTAL_ID) {
      record(pax, "gid", utf8(Long.toString(gid)));
    }
    if (size > MAX_OCTAL_SIZE) {
      record(pax, "size", utf8(Long.toString(size)));
    }
    for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
      record(pax, "SCHILY.xattr." + x.getKey(), x.getValue());
    }
    writePax(pax, mtime);
    TarArchiveEntry e = plain(shortName, type);
    if (shortLink != null) {
      e.setLinkName(shortLink);
    }
    e.setMode(st.mode());
    e.setUserId(uid);
    e.setGroupId(gid);
    e.setModTime(FileTime.from(Instant.ofEpochSecond(mtime.getEpochSecond())));
    e.setSize(size);
    return e;
  }

  /** The PAX header holding {@code pax}'s records, if there are any, for the next entry. */
  private void writePax(ByteArrayOutputStream pax, Instant mtime) throws IOException {
    if (pax.size() == 0) {
      return;
    }
    TarArchiveEntry header = plain(PAX_NAME, TarConstants.LF_PAX_EXTENDED_HEADER_LC);
    header.setMode(0100644);
    header.setModTime(FileTime.from(Instant.ofEpochSecond(mtime.getEpochSecond())));
    header.setSize(pax.size());
    tar.putArchiveEntry(header);
    pax.writeTo(tar);
    tar.closeArchiveEntry();
  }

  /** An entry with no owner names or times of the writing process (deterministic output). */
  private static TarArchiveEntry plain(String name, byte type) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setUserName("");
    e.setGroupName("");
    e.setUserId(0L);
    e.setGroupId(0L);
    e.setModTime(FileTime.from(Instant.EPOCH));
    return e;
  }

  /** One PAX record, "LEN key=value\n", where LEN counts the whole record. */
  static void record(ByteArrayOutputStream out, String key, byte[] value) {
    int body = 1 + utf8(key).length + 1 + value.length + 1;
    int len = body + Integer.toString(body).length();
    if (Integer.toString(len).length() + body != len) {
      len++;
    }
    out.writeBytes(utf8(len + " " + key + "="));
    out.writeBytes(value);
    out.write('\n');
  }

  /** The tail of {@code s} that fits the ustar name field, cut at a character boundary. */
  private static String truncated(String s) {
    int from = 0;
    while (utf8(s.substring(from)).length >= NAME_FIELD) {
      from = s.offsetByCodePoints(from, 1);
    }
    while (from < s.length() - 1 && s.charAt(from) == '/') {
      from++;
    }
    return s.substring(from);
  }

  /**
   * Records {@code name} ({@code bytes} encoded) whole as PAX record {@code key}; returns what the
   * header field gets instead: its readable tail, each byte that was not UTF-8 shown as '?'.
   */
  private static String inPax(ByteArrayOutputStream pax, String key, String name, byte[] bytes) {
    record(pax, key, bytes);
    StringBuilder readable = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      readable.append(Names.isEscape(c) ? '?' : c);
    }
    return truncated(readable.toString());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Lets the tar writer's close end at the caller's stream without closing it. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
