package dev.layerd.content;

import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.io.InputStreams;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Passes a stream through while hashing it, and checks digest and size when the end is reached.
 *
 * <p>A stream longer than the expected size fails as soon as the extra byte is read; a shorter
 * one, or one with the wrong digest, fails when {@code read} reaches the end. Both throw {@link
 * DigestMismatchException} naming the expected and actual values and the source. A reader that
 * stops before the end verifies nothing: call {@link #verify()} (which drains the rest) when the
 * whole stream must be checked. Closing closes the wrapped stream. Not thread-safe.
 */
public final class VerifyingInputStream extends FilterInputStream {
  private final Digest expected;
  private final long expectedSize;
  private final String source;
  private final MessageDigest digester;
  private long count;
  private boolean verified;
  private DigestMismatchException failure;

  /**
   * Verifies {@code in} against {@code expected}; a negative {@code expectedSize} checks only the
   * digest. {@code source} names where the bytes come from (a file, an archive entry, a blob).
   */
  public VerifyingInputStream(InputStream in, Digest expected, long expectedSize, String source) {
    super(Objects.requireNonNull(in, "in"));
    this.expected = Objects.requireNonNull(expected, "expected");
    this.expectedSize = expectedSize;
    this.source = Objects.requireNonNull(source, "source");
    this.digester = expected.newDigester();
  }

  /** Verifies {@code in} against the digest and size of {@code expected}. */
  public VerifyingInputStream(InputStream in, Descriptor expected, String source) {
    this(in, expected.digest(), expected.size(), source);
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b < 0) {
      finish();
      return -1;
    }
    count(1);
    digester.update((byte) b);
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    int n = in.read(buf, off, len);
    if (n < 0) {
      finish();
      return -1;
    }
    count(n);
    digester.update(buf, off, n);
    return n;
  }

  /** Skipping still has to hash the skipped bytes, so it reads them. */
  @Override
  public long skip(long n) throws IOException {
    return InputStreams.skipByReading(this, n);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readlimit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported while verifying " + source);
  }

  /** Reads whatever is left and verifies; returns the verified digest. */
  public Digest verify() throws IOException {
    byte[] buf = new byte[64 * 1024];
    while (read(buf, 0, buf.length) >= 0) {
      // drained for the hash
    }
    return expected;
  }

  /** Bytes read so far. */
  public long count() {
    return count;
  }

  /** True once the end was reached and digest and size matched. */
  public boolean verified() {
    return verified;
  }

  private void count(int n) {
    count += n;
    if (expectedSize >= 0 && count > expectedSize) {
      throw new DigestMismatchException(
          expected + " of size " + expectedSize,
          "more than " + expectedSize + " bytes",
          source);
    }
  }

  private void finish() {
    if (verified) {
      return;
    }
    if (failure != null) {
      throw failure;
    }
    if (expectedSize >= 0 && count != expectedSize) {
      failure =
          new DigestMismatchException(
              expected + " of size " + expectedSize, count + " bytes", source);
      throw failure;
    }
    String actual = HexFormat.of().formatHex(digester.digest());
    if (!actual.equals(expected.hex())) {
      failure =
          new DigestMismatchException(
              expected.toString(), expected.algorithm() + ":" + actual, source);
      throw failure;
    }
    verified = true;
  }
}
