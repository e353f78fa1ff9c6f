package dev.layerd.archive;

import dev.layerd.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;

/** gzip members built byte by byte (every header field), and the two ways of reading them. */
final class GzipMembers {
  static final int FHCRC = 2;
  static final int FEXTRA = 4;
  static final int FNAME = 8;
  static final int FCOMMENT = 16;

  private GzipMembers() {}

  /** One member holding {@code data}, with the header fields {@code flags} asks for. */
  static byte[] member(byte[] data, int level, int flags) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, (byte) flags, 1, 2, 3, 4, 0, 3});
    if ((flags & FEXTRA) != 0) {
      byte[] extra = "AB\u0003\u0000xyz".getBytes(StandardCharsets.ISO_8859_1);
      out.write(extra.length);
      out.write(0);
      out.writeBytes(extra);
    }
    if ((flags & FNAME) != 0) {
      out.writeBytes("layer.tar\0".getBytes(StandardCharsets.ISO_8859_1));
    }
    if ((flags & FCOMMENT) != 0) {
      out.writeBytes("made by a test\0".getBytes(StandardCharsets.ISO_8859_1));
    }
    if ((flags & FHCRC) != 0) {
      CRC32 h = new CRC32();
      h.update(out.toByteArray());
      out.write((int) h.getValue());
      out.write((int) h.getValue() >> 8);
    }
    Deflater d = new Deflater(level, true);
    d.setInput(data);
    d.finish();
    byte[] buf = new byte[8192];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    CRC32 crc = new CRC32();
    crc.update(data);
    writeInt(out, (int) crc.getValue());
    writeInt(out, data.length);
    return out.toByteArray();
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    for (int i = 0; i < 4; i++) {
      out.write(v >>> (8 * i));
    }
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** ISA-L, or a skip ("requires tool", a failure under CI) when libisal2 is not installed. */
  static Isal isal() {
    Isal isal = Isal.get();
    Tools.requireLibrary("libisal2", isal != null);
    return isal;
  }

  /** All of {@code gz} as ISA-L inflates it, read {@code chunk} bytes at a time. */
  static byte[] viaIsal(byte[] gz, int chunk) throws IOException {
    return readAll(new IsalInputStream(new ByteArrayInputStream(gz), isal()), chunk);
  }

  /** All of {@code gz} as the JDK inflates it. */
  static byte[] viaJdk(byte[] gz) throws IOException {
    return readAll(new GZIPInputStream(new ByteArrayInputStream(gz)), 8192);
  }

  static byte[] readAll(InputStream in, int chunk) throws IOException {
    try (in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[chunk];
      for (int n; (n = in.read(buf, 0, chunk)) >= 0; ) {
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    }
  }
}
