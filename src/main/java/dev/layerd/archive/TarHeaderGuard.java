package dev.layerd.archive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Follows the tar stream's headers as the tar reader pulls bytes through it, for two reasons: to
 * refuse oversized extended headers before the reader buffers them, and to keep extended
 * attribute values as raw bytes (the reader decodes PAX values as text, which breaks binary
 * values such as security.capability). After each header the reader returns, {@link #xattrs()}
 * holds the attributes of that entry.
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

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      track(new byte[] {(byte) b}, 0, 1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      track(b, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(Math.max(n, 1), 65536)];
    long done = 0;
    while (done < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
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

  private void track(byte[] b, int off, int len) throws IOException {
    int i = off;
    int end = off + len;
    while (i < end) {
      switch (state) {
        case END -> {
          return;
        }
        case DATA -> {
          int k = (int) Math.min(remaining, end - i);
          i += k;
          remaining -= k;
          if (remaining == 0) {
            state = State.HEADER;
          }
        }
        case EXTENSION -> {
          int k = Math.min(ext.length - extFill, end - i);
          System.arraycopy(b, i, ext, extFill, k);
          extFill += k;
          i += k;
          if (extFill == ext.length) {
            finishExtension();
            remaining = extPad;
            state = remaining == 0 ? State.HEADER : State.DATA;
          }
        }
        case HEADER, EXTENDED_SPARSE -> {
          int k = Math.min(BLOCK - headerFill, end - i);
          System.arraycopy(b, i, header, headerFill, k);
          headerFill += k;
          i += k;
          if (headerFill == BLOCK) {
            headerFill = 0;
            if (state == State.HEADER) {
              onHeader();
            } else {
              onSparseExtension();
            }
          }
        }
      }
    }
  }

  private void onHeader() throws IOException {
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
      return;
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
        state = size == 0 ? State.HEADER : State.EXTENSION;
        if (size == 0) {
          finishExtension();
          state = extPad == 0 ? State.HEADER : State.DATA;
          remaining = extPad;
        }
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
        remaining = dataSize + padding(dataSize);
        boolean extended = type == 'S' && header[482] != 0;
        state = extended ? State.EXTENDED_SPARSE : remaining == 0 ? State.HEADER : State.DATA;
      }
    }
  }

  private void onSparseExtension() {
    if (header[504] == 0) {
      state = remaining == 0 ? State.HEADER : State.DATA;
    }
  }

  private void finishExtension() throws IOException {
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
