package dev.layerd.archive;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Picks the decompressor for a layer by its magic bytes (some producers lie about the type). */
final class Decompression {
  private static final int BUFFER = 1 << 16;

  private Decompression() {}

  enum Kind {
    PLAIN,
    GZIP,
    ZSTD
  }

  /** What the first bytes of {@code in} say; {@code in} must support mark. */
  static Kind sniff(BufferedInputStream in) throws IOException {
    in.mark(4);
    byte[] m = in.readNBytes(4);
    in.reset();
    if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) {
      return Kind.GZIP;
    }
    if (m.length >= 4
        && (m[0] & 0xff) == 0x28
        && (m[1] & 0xff) == 0xb5
        && (m[2] & 0xff) == 0x2f
        && (m[3] & 0xff) == 0xfd) {
      return Kind.ZSTD;
    }
    // a tar never starts with either magic, so a stream that lacks it is plain whatever it claims
    return Kind.PLAIN;
  }

  /** ISA-L when given (twice as fast), else the JDK's zlib. */
  private static InputStream gzip(InputStream in, Isal isal) throws IOException {
    if (isal != null) {
      return new IsalInputStream(in, isal);
    }
    // GZIPInputStream reads concatenated members as one stream
    return new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER);
  }

  /** An uncompressed stream, and what its source was. */
  record Opened(InputStream stream, Kind kind) {}

  /** The uncompressed stream of {@code compressed}, whatever its media type claimed. */
  static Opened open(InputStream compressed) throws IOException {
    return open(compressed, Isal.get());
  }

  /** As {@link #open(InputStream)}, gzip inflated by {@code isal}, or by zlib when it is null. */
  static Opened open(InputStream compressed, Isal isal) throws IOException {
    BufferedInputStream in = new BufferedInputStream(compressed, BUFFER);
    Kind kind = sniff(in);
    InputStream out =
        switch (kind) {
          case PLAIN -> in;
          case GZIP -> gzip(in, isal);
          case ZSTD -> {
            ZstdInputStreamNoFinalizer z = new ZstdInputStreamNoFinalizer(in);
            z.setContinuous(false);
            yield new BufferedInputStream(z, BUFFER);
          }
        };
    return new Opened(out, kind);
  }
}
