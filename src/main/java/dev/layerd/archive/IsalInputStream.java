package dev.layerd.archive;

import dev.layerd.io.InputStreams;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.ZipException;

/**
 * A gzip stream inflated by {@link Isal}: the bytes {@link java.util.zip.GZIPInputStream} gives.
 * Concatenated members read as one stream, and each member's CRC-32 and size are checked. After a
 * member, bytes that do not start with the gzip magic end the stream unread (padding or trailing
 * junk, which the JDK ignores too); a header that does start with it must be a valid member.
 *
 * <p>Single reader. {@link #close()} frees the native buffers and closes the source.
 */
final class IsalInputStream extends InputStream {
  private static final int IN = 1 << 16;
  private static final int OUT = 1 << 18;

  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;

  private final InputStream source;
  private final Isal isal;
  // shared: the stream is made on one thread and may be read and closed on others
  private final Arena arena = Arena.ofShared();
  private final MemorySegment state;
  private final MemorySegment in;
  private final MemorySegment out;
  private final byte[] staging = new byte[IN];

  private int inPos;
  private int inLim;
  private int outPos;
  private int outLim;
  private int members;
  private boolean inMember;
  private boolean ended;
  private boolean closed;

  IsalInputStream(InputStream source, Isal isal) {
    this.source = source;
    this.isal = isal;
    state = arena.allocate(Isal.STATE_SIZE, 64);
    in = arena.allocate(IN, 64);
    out = arena.allocate(OUT, 64);
    isal.init(state);
  }

  @Override
  public int read() throws IOException {
    return InputStreams.readOne(this);
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (closed) {
      throw new IOException("gzip stream closed");
    }
    if (len == 0) {
      return 0;
    }
    while (outPos == outLim) {
      if (ended) {
        return -1;
      }
      step();
    }
    int n = Math.min(len, outLim - outPos);
    MemorySegment.copy(out, ValueLayout.JAVA_BYTE, outPos, b, off, n);
    outPos += n;
    return n;
  }

  /** One inflate call: fills {@code out} with what it made, or moves on to the next member. */
  private void step() throws IOException {
    if (!inMember && !startMember()) {
      ended = true;
      return;
    }
    boolean input = inPos < inLim || refill();
    Isal.Step s =
        isal.inflate(state, in.asSlice(inPos), inLim - inPos, out, OUT);
    inPos += s.consumed();
    outPos = 0;
    outLim = s.produced();
    if (s.memberDone()) {
      inMember = false;
    } else if (!input && s.produced() == 0) {
      // with no input left and nothing more to give, the member can never end
      throw new EOFException("gzip stream ends inside member " + members + " (truncated)");
    }
  }

  /**
   * Reads the next member's header; false when the stream has ended instead (its end, or bytes
   * that are no gzip member after the first one).
   */
  private boolean startMember() throws IOException {
    int id1 = nextByte();
    int id2 = id1 < 0 ? -1 : nextByte();
    if (id1 != 0x1f || id2 != 0x8b) {
      if (members > 0) {
        return false;
      }
      throw id2 < 0 && id1 == 0x1f
          ? new EOFException("gzip stream ends inside the header of member 1")
          : new ZipException("not in gzip format");
    }
    CRC32 crc = new CRC32();
    crc.update(id1);
    crc.update(id2);
    int method = headerByte(crc);
    if (method != 8) {
      throw new ZipException("gzip member " + (members + 1) + ": unknown method " + method);
    }
    int flags = headerByte(crc);
    for (int i = 0; i < 6; i++) {
      headerByte(crc); // mtime, extra flags, OS
    }
    if ((flags & FEXTRA) != 0) {
      int xlen = headerByte(crc) | headerByte(crc) << 8;
      for (int i = 0; i < xlen; i++) {
        headerByte(crc);
      }
    }
    for (int f : new int[] {FNAME, FCOMMENT}) {
      if ((flags & f) != 0) {
        while (headerByte(crc) != 0) {
          // a zero-terminated name or comment
        }
      }
    }
    if ((flags & FHCRC) != 0) {
      int want = (int) crc.getValue() & 0xffff;
      int got = headerByte(crc) | headerByte(crc) << 8;
      if (got != want) {
        throw new ZipException("gzip member " + (members + 1) + ": corrupt header (CRC-16)");
      }
    }
    if (members > 0) {
      isal.reset(state);
    }
    members++;
    inMember = true;
    return true;
  }

  private int headerByte(CRC32 crc) throws IOException {
    int b = nextByte();
    if (b < 0) {
      throw new EOFException("gzip stream ends inside the header of member " + (members + 1));
    }
    crc.update(b);
    return b;
  }

  private int nextByte() throws IOException {
    if (inPos == inLim && !refill()) {
      return -1;
    }
    return in.get(ValueLayout.JAVA_BYTE, inPos++) & 0xff;
  }

  /** Reads more compressed bytes into {@code in}; false at the end of the source. */
  private boolean refill() throws IOException {
    int n;
    do {
      n = source.read(staging, 0, IN);
    } while (n == 0);
    if (n < 0) {
      return false;
    }
    MemorySegment.copy(staging, 0, in, ValueLayout.JAVA_BYTE, 0, n);
    inPos = 0;
    inLim = n;
    return true;
  }

  @Override
  public int available() {
    return outLim - outPos;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      source.close();
    } finally {
      arena.close();
    }
  }
}
