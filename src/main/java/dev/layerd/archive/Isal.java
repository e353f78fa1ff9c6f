package dev.layerd.archive;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ISA-L's streaming inflate (igzip), reached through the FFM API when {@code libisal.so.2} is
 * installed (Debian package libisal2). It inflates about twice as fast as zlib here, and inflating
 * is the largest single CPU cost of applying a gzip layer.
 *
 * <p>The library keeps its state in a C struct ({@code struct inflate_state}) whose documented
 * fields are read and written here by offset: those of ISA-L 2.2x to 2.31 on a 64-bit Linux. The
 * first use inflates a stream made by the JDK and checks the output, the end of the stream and the
 * rejection of a bad trailer, so that a library laid out otherwise is never used for layers.
 * {@code -Dlayerd.isal=false} turns it off.
 */
final class Isal {
  private static final Logger LOG = LoggerFactory.getLogger(Isal.class);
  private static final String LIBRARY = "libisal.so.2";

  /** Bytes allocated for the state: the struct is 87,368 bytes in 2.30; room for growth. */
  static final long STATE_SIZE = 96 * 1024;

  private static final long NEXT_OUT = 0;
  private static final long AVAIL_OUT = 8;
  private static final long NEXT_IN = 16;
  private static final long AVAIL_IN = 32;
  private static final long BLOCK_STATE = 21160;
  private static final long CRC_FLAG = 21172;

  /** {@code block_state} once a member's data and trailer are done. */
  private static final int BLOCK_FINISH = 5;

  /** {@code crc_flag}: raw deflate, then the gzip trailer (CRC-32 and size) checked. */
  private static final int GZIP_NO_HDR_VER = 6;

  private static final int INCORRECT_CHECKSUM = -6;

  private final MethodHandle init;
  private final MethodHandle reset;
  private final MethodHandle inflate;

  private Isal(SymbolLookup lib) {
    Linker linker = Linker.nativeLinker();
    FunctionDescriptor onState = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS);
    init = linker.downcallHandle(find(lib, "isal_inflate_init"), onState);
    reset = linker.downcallHandle(find(lib, "isal_inflate_reset"), onState);
    inflate =
        linker.downcallHandle(
            find(lib, "isal_inflate"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
  }

  private static MemorySegment find(SymbolLookup lib, String name) {
    return lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError(LIBRARY + " lacks " + name));
  }

  /** The library, checked; null when it is missing, turned off or fails the self-test. */
  private static final class Holder {
    static final Isal INSTANCE = load();
  }

  /** ISA-L, when it is installed and behaves as this class expects. */
  static Isal get() {
    return Holder.INSTANCE;
  }

  private static Isal load() {
    if (!Boolean.parseBoolean(System.getProperty("layerd.isal", "true"))) {
      LOG.debug("gzip layers are inflated by the JDK's zlib: layerd.isal=false");
      return null;
    }
    Isal isal;
    try {
      isal = new Isal(SymbolLookup.libraryLookup(LIBRARY, Arena.global()));
    } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
      LOG.debug(
          "gzip layers are inflated by the JDK's zlib: {} is not usable ({}); install libisal2"
              + " for faster gzip",
          LIBRARY,
          e.getMessage());
      return null;
    }
    String failure = isal.selfTest();
    if (failure != null) {
      LOG.warn("{} is installed but not used for gzip layers: {}", LIBRARY, failure);
      return null;
    }
    LOG.debug("gzip layers are inflated by ISA-L ({})", LIBRARY);
    return isal;
  }

  /** Null when a known two-member stream inflates right and a bad trailer is refused. */
  private String selfTest() {
    byte[] data = new byte[100_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) ((i * 31 + (i >> 7)) % 253); // repetitive enough to make back-references
    }
    byte[] gz = concat(gzip(data, 0, 60_000), gzip(data, 60_000, data.length));
    try {
      byte[] got = readAll(new IsalInputStream(new ByteArrayInputStream(gz), this));
      if (!Arrays.equals(got, data)) {
        return "its output differed from the input (a different inflate_state layout?)";
      }
    } catch (IOException | RuntimeException e) {
      return "inflating a known stream failed: " + e.getMessage();
    }
    gz[gz.length - 5] ^= 1; // the last member's CRC
    try {
      readAll(new IsalInputStream(new ByteArrayInputStream(gz), this));
      return "a corrupt gzip trailer was not detected";
    } catch (IOException e) {
      return null;
    }
  }

  private static byte[] gzip(byte[] b, int from, int to) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(b, from, to - from);
    } catch (IOException e) {
      throw new IllegalStateException(e); // in memory
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  /** Initializes {@code state} for a first member: raw deflate with the gzip trailer checked. */
  void init(MemorySegment state) {
    try {
      init.invokeExact(state);
    } catch (Throwable t) {
      throw rethrow(t);
    }
    state.set(ValueLayout.JAVA_INT, CRC_FLAG, GZIP_NO_HDR_VER);
  }

  /** Readies {@code state} for the next member, keeping its buffers. */
  void reset(MemorySegment state) {
    try {
      reset.invokeExact(state);
    } catch (Throwable t) {
      throw rethrow(t);
    }
    state.set(ValueLayout.JAVA_INT, CRC_FLAG, GZIP_NO_HDR_VER);
  }

  /** The outcome of one {@link #inflate} call. */
  record Step(int consumed, int produced, boolean memberDone) {}

  /**
   * Inflates from {@code inLen} bytes at {@code in} into at most {@code outLen} bytes at {@code
   * out}.
   *
   * @throws java.util.zip.ZipException the data is not valid deflate, or the trailer's CRC-32 or
   *     size does not match it
   */
  Step inflate(MemorySegment state, MemorySegment in, int inLen, MemorySegment out, int outLen)
      throws java.util.zip.ZipException {
    state.set(ValueLayout.ADDRESS, NEXT_IN, in);
    state.set(ValueLayout.JAVA_INT, AVAIL_IN, inLen);
    state.set(ValueLayout.ADDRESS, NEXT_OUT, out);
    state.set(ValueLayout.JAVA_INT, AVAIL_OUT, outLen);
    int ret;
    try {
      ret = (int) inflate.invokeExact(state);
    } catch (Throwable t) {
      throw rethrow(t);
    }
    if (ret < 0) {
      throw new java.util.zip.ZipException(describe(ret));
    }
    return new Step(
        inLen - state.get(ValueLayout.JAVA_INT, AVAIL_IN),
        outLen - state.get(ValueLayout.JAVA_INT, AVAIL_OUT),
        state.get(ValueLayout.JAVA_INT, BLOCK_STATE) == BLOCK_FINISH);
  }

  private static String describe(int ret) {
    return switch (ret) {
      case -1 -> "invalid deflate block";
      case -2 -> "invalid deflate symbol";
      case -3 -> "invalid back-reference distance in deflate data";
      case INCORRECT_CHECKSUM -> "the gzip trailer's CRC-32 or size does not match the data";
      default -> "ISA-L inflate failed with code " + ret;
    };
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException(t);
  }
}
