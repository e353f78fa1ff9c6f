package dev.layerd.archive;

import dev.layerd.io.InputStreams;
import dev.layerd.linux.Names;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Follows the tar stream's headers as the tar reader pulls bytes through it, for two reasons: to
 * refuse oversized extended headers before the reader buffers them, and to keep extended
 * attribute values as raw bytes (the reader decodes PAX values as text, which breaks binary
 * values such as security.capability). After each header the reader returns, {@link #xattrs()}
 * holds the attributes of that entry. PAX global headers are hidden from the reader (OCI says
 * to ignore them). A first block that is not a tar header fails, as does a stream that ends
 * inside a header.
 */
final class TarHeaderGuard extends FilterInputStream {
  /** Largest PAX extended header accepted. */
  static final int MAX_PAX = 1 << 20;

  /** Largest GNU long name or long link accepted. */
  static final int MAX_LONG_NAME = 1 << 16;

  private static final int BLOCK = 512;

  private enum State {
    HEADER,
    EXTENDED_SPARSE,
    DATA,
    EXTENSION,
    END
  }

  private State state = State.HEADER;
  private final byte[] header = new byte[BLOCK];
  private final byte[] scratch = new byte[BLOCK];
  private byte[] out;
  private int outPos;
  private int outLen;
  private boolean hidden;
  private long blocks;
  private int headerFill;
  private long remaining;
  private byte[] ext;
  private int extFill;
  private long extPad;
  private byte extType;
  private long paxSize = -1;
  private Map<String, byte[]> pending = new LinkedHashMap<>();
  private Map<String, byte[]> current = Map.of();
  private String pendingMtime;
  private String pendingAtime;
  private String mtime;
  private String atime;
  // names as bytes: PAX path/linkpath, GNU long name/link (L, K), then the header's fields
  private byte[] pendingPath;
  private byte[] pendingLinkPath;
  private byte[] pendingLongName;
  private byte[] pendingLongLink;
  private byte[] rawName;
  private byte[] rawLinkName;

  TarHeaderGuard(InputStream in) {
    super(in);
  }

  /** The raw xattrs ({@code SCHILY.xattr.*}, {@code LIBARCHIVE.xattr.*}) of the last header. */
  Map<String, byte[]> xattrs() {
    return current;
  }

  /** The last header's PAX mtime as written ("seconds[.fraction]"), or null. */
  String mtime() {
    return mtime;
  }

  /** The last header's PAX atime as written, or null. */
  String atime() {
    return atime;
  }

  /**
   * Gives {@code e}, the entry of the last header, the name and link name that header holds as
   * bytes, decoded by {@link Names}, where they are not valid UTF-8: the tar reader replaces such
   * bytes, which would create a different file (and could make two names one).
   */
  void restoreNames(TarArchiveEntry e) {
    if (rawName != null && !Names.isUtf8(rawName)) {
      e.setName(Names.decode(rawName));
    }
    if (rawLinkName != null && !Names.isUtf8(rawLinkName)) {
      e.setLinkName(Names.decode(rawLinkName));
    }
  }

  @Override
  public int read() throws IOException {
    return InputStreams.readOne(this);
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    while (true) {
      if (outPos < outLen) {
        int k = Math.min(len, outLen - outPos);
        System.arraycopy(out, outPos, b, off, k);
        outPos += k;
        return k;
      }
      switch (state) {
        case END -> {
          return in.read(b, off, len);
        }
        case DATA -> {
          if (hidden) {
            int n = in.read(scratch, 0, (int) Math.min(scratch.length, remaining));
            if (n < 0) {
              throw new IOException("stream ends inside a global PAX header");
            }
            advance(n);
            continue;
          }
          int n = in.read(b, off, (int) Math.min(len, remaining));
          if (n > 0) {
            advance(n);
          }
          return n;
        }
        case EXTENSION -> {
          int from = extFill;
          int n = in.read(ext, extFill, ext.length - extFill);
          if (n < 0) {
            throw new IOException("stream ends inside an extended header");
          }
          extFill += n;
          if (extFill == ext.length) {
            finishExtension();
            remaining = extPad;
            hidden = extType == 'g';
            state = remaining == 0 ? State.HEADER : State.DATA;
          }
          if (extType != 'g') {
            emit(ext, from, extFill);
          }
        }
        case HEADER, EXTENDED_SPARSE -> {
          int n = in.read(header, headerFill, BLOCK - headerFill);
          if (n < 0) {
            if (headerFill == 0 && state == State.HEADER) {
              return -1; // an end at a header boundary is an end, as Go's reader has it
            }
            throw new IOException(
                blocks == 0
                    ? "not a tar stream: " + headerFill + " bytes, less than one tar header"
                    : "stream ends inside a tar header");
          }
          headerFill += n;
          if (headerFill == BLOCK) {
            headerFill = 0;
            boolean visible = true;
            if (state == State.HEADER) {
              visible = onHeader();
            } else {
              onSparseExtension();
            }
            blocks++;
            if (visible) {
              emit(header, 0, BLOCK);
            }
          }
        }
      }
    }
  }

  @Override
  public long skip(long n) throws IOException {
    return InputStreams.skipByReading(this, n);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /**
   * Always 0: the tar reader asks before every skip, and a file's answer costs two system calls
   * (fstat and lseek) per entry.
   */
  @Override
  public int available() {
    return 0;
  }

  /** Hands {@code b[from, to)} to the reader before anything else is read. */
  private void emit(byte[] b, int from, int to) {
    out = b;
    outPos = from;
    outLen = to;
  }

  private void advance(int n) {
    remaining -= n;
    if (remaining == 0) {
      state = State.HEADER;
    }
  }

  /** Takes in the header block just read; false when the reader must not see it. */
  private boolean onHeader() throws IOException {
    boolean zero = true;
    for (byte x : header) {
      if (x != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      // the reader stops at the first zero block; what follows is padding or trailing data
      state = State.END;
      return true;
    }
    if (!checksumOk(header)) {
      throw new IOException(
          blocks == 0 ? "not a tar stream: the first block is not a tar header"
              : "corrupt tar header: bad checksum");
    }
    byte type = header[156];
    long size = size(header, 124, 12);
    switch (type) {
      case 'x', 'g', 'L', 'K' -> {
        long max = type == 'x' || type == 'g' ? MAX_PAX : MAX_LONG_NAME;
        if (size > max) {
          throw new IOException(
              "tar extended header ("
                  + (char) type
                  + ") of "
                  + size
                  + " bytes exceeds the limit of "
                  + max);
        }
        extType = type;
        ext = new byte[(int) size];
        extFill = 0;
        extPad = padding(size);
        state = State.EXTENSION;
        if (size == 0) {
          finishExtension();
          remaining = extPad;
          hidden = type == 'g';
          state = State.HEADER;
        }
        // OCI: global headers are ignored; the tar reader would apply them to later entries
        return type != 'g';
      }
      default -> {
        long dataSize = paxSize >= 0 ? paxSize : size;
        paxSize = -1;
        current = pending;
        pending = new LinkedHashMap<>();
        mtime = pendingMtime;
        atime = pendingAtime;
        pendingMtime = null;
        pendingAtime = null;
        // an all-ASCII header field is UTF-8 already: nothing to restore, nothing to copy
        rawName = pendingPath != null ? pendingPath : pendingLongName;
        if (rawName == null && (nonAscii(header, 0, 100) || nonAscii(header, 345, 155))) {
          rawName = headerName(header);
        }
        rawLinkName = pendingLinkPath != null ? pendingLinkPath : pendingLongLink;
        if (rawLinkName == null && nonAscii(header, 157, 100)) {
          rawLinkName = field(header, 157, 100);
        }
        pendingPath = null;
        pendingLinkPath = null;
        pendingLongName = null;
        pendingLongLink = null;
        remaining = dataSize + padding(dataSize);
        hidden = false;
        boolean extended = type == 'S' && header[482] != 0;
        state = extended ? State.EXTENDED_SPARSE : remaining == 0 ? State.HEADER : State.DATA;
        return true;
      }
    }
  }

  /** The header checksum: the stored octal value is the byte sum, field as spaces. */
  static boolean checksumOk(byte[] h) {
    int i = 148;
    while (i < 156 && (h[i] == ' ' || h[i] == 0)) {
      i++;
    }
    long stored = 0;
    int digits = 0;
    for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++, digits++) {
      stored = (stored << 3) | (h[i] - '0');
    }
    if (digits == 0) {
      return false;
    }
    long unsigned = 8L * ' ';
    long signed = 8L * ' ';
    for (int j = 0; j < BLOCK; j++) {
      if (j < 148 || j >= 156) {
        unsigned += h[j] & 0xff;
        signed += h[j];
      }
    }
    // some old writers summed signed bytes
    return stored == unsigned || stored == signed;
  }

  private void onSparseExtension() {
    if (header[504] == 0) {
      state = remaining == 0 ? State.HEADER : State.DATA;
    }
  }

  private void finishExtension() throws IOException {
    if (extType == 'L' || extType == 'K') {
      int end = ext.length;
      while (end > 0 && ext[end - 1] == 0) {
        end--;
      }
      byte[] longName = java.util.Arrays.copyOf(ext, end);
      if (extType == 'L') {
        pendingLongName = longName;
      } else {
        pendingLongLink = longName;
      }
      return;
    }
    if (extType != 'x') {
      return;
    }
    int pos = 0;
    while (pos < ext.length) {
      int sp = pos;
      long recLen = 0;
      while (sp < ext.length && ext[sp] >= '0' && ext[sp] <= '9') {
        recLen = recLen * 10 + (ext[sp] - '0');
        if (recLen > ext.length) {
          throw new IOException("corrupt PAX header: record length exceeds the header");
        }
        sp++;
      }
      if (sp == pos || sp >= ext.length || ext[sp] != ' ' || recLen <= sp - pos + 1) {
        if (allZero(pos)) {
          return; // some writers pad the header with NULs
        }
        throw new IOException("corrupt PAX header: bad record at byte " + pos);
      }
      int recEnd = pos + (int) recLen;
      if (recEnd > ext.length || ext[recEnd - 1] != '\n') {
        throw new IOException("corrupt PAX header: record at byte " + pos + " is cut short");
      }
      int eq = sp + 1;
      while (eq < recEnd - 1 && ext[eq] != '=') {
        eq++;
      }
      if (eq >= recEnd - 1 && ext[eq] != '=') {
        throw new IOException("corrupt PAX header: record at byte " + pos + " has no '='");
      }
      String key = new String(ext, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
      byte[] value = java.util.Arrays.copyOfRange(ext, eq + 1, recEnd - 1);
      onPaxRecord(key, value);
      pos = recEnd;
    }
  }

  private void onPaxRecord(String key, byte[] value) throws IOException {
    if (key.equals("size")) {
      try {
        paxSize = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("corrupt PAX header: size is not a number", e);
      }
      if (paxSize < 0) {
        throw new IOException("corrupt PAX header: negative size");
      }
    } else if (key.equals("path")) {
      pendingPath = value;
    } else if (key.equals("linkpath")) {
      pendingLinkPath = value;
    } else if (key.equals("mtime")) {
      pendingMtime = new String(value, StandardCharsets.US_ASCII);
    } else if (key.equals("atime")) {
      pendingAtime = new String(value, StandardCharsets.US_ASCII);
    } else if (key.startsWith("SCHILY.xattr.")) {
      pending.put(key.substring("SCHILY.xattr.".length()), value);
    } else if (key.startsWith("LIBARCHIVE.xattr.")) {
      String name =
          java.net.URLDecoder.decode(
              key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
      try {
        pending.putIfAbsent(name, Base64.getDecoder().decode(value));
      } catch (IllegalArgumentException e) {
        throw new IOException("corrupt PAX header: xattr " + name + " is not base64", e);
      }
    }
  }

  /**
   * A header's name as the tar reader puts it together: a POSIX (or star) header's prefix, a
   * slash and the name field; a GNU header has no prefix.
   */
  private static byte[] headerName(byte[] h) {
    byte[] name = field(h, 0, 100);
    boolean gnu = h[257] == 'u' && h[262] == ' ' && h[263] == ' ';
    if (gnu) {
      return name;
    }
    boolean star = h[508] == 't' && h[509] == 'a' && h[510] == 'r' && h[511] == 0;
    byte[] prefix = field(h, 345, star ? 131 : 155);
    if (prefix.length == 0) {
      return name;
    }
    byte[] joined = java.util.Arrays.copyOf(prefix, prefix.length + 1 + name.length);
    joined[prefix.length] = '/';
    System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
    return joined;
  }

  private static boolean nonAscii(byte[] h, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (h[i] < 0) {
        return true;
      }
    }
    return false;
  }

  /** The bytes of a text field up to its first NUL. */
  private static byte[] field(byte[] h, int off, int len) {
    int end = off;
    while (end < off + len && h[end] != 0) {
      end++;
    }
    return java.util.Arrays.copyOfRange(h, off, end);
  }

  private boolean allZero(int from) {
    for (int i = from; i < ext.length; i++) {
      if (ext[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static long padding(long size) {
    long r = size % BLOCK;
    return r == 0 ? 0 : BLOCK - r;
  }

  /** A numeric header field: octal text, or GNU base-256 when the top bit is set. */
  private static long size(byte[] h, int off, int len) throws IOException {
    if ((h[off] & 0x80) != 0) {
      long v = h[off] & 0x3f;
      for (int i = 1; i < len; i++) {
        if (v > (Long.MAX_VALUE >> 8)) {
          throw new IOException("tar header size field overflows");
        }
        v = (v << 8) | (h[off + i] & 0xff);
      }
      if ((h[off] & 0x40) != 0) {
        throw new IOException("tar header size field is negative");
      }
      return v;
    }
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && (h[i] == ' ' || h[i] == 0)) {
      i++;
    }
    for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
      v = (v << 3) | (h[i] - '0');
    }
    return v;
  }
}

