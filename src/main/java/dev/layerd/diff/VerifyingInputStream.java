package dev.layerd.diff;

import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.oci.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.function.LongConsumer;

/**
 * Hashes and counts a blob while it is read, and checks both against the descriptor: more bytes
 * than the expected size fail at once, a short blob or a different digest fail at the end of the
 * stream. Reports progress in compressed bytes: 0 when opened, then as reading goes, and the
 * final count at the end. Not thread-safe; closes the wrapped stream.
 */
// TODO: duplicates content's verifying stream; switch to content.VerifyingInputStream once it is
// on main.
final class VerifyingInputStream extends FilterInputStream {
  private static final long PROGRESS_STEP = 1 << 20;

  private final Digest expected;
  private final long expectedSize;
  private final String source;
  private final MessageDigest digester;
  private final LongConsumer progress;
  private long count;
  private long lastReported;
  private boolean verified;

  VerifyingInputStream(
      InputStream in, Digest expected, long expectedSize, String source, LongConsumer progress) {
    super(in);
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.source = source;
    this.digester = expected.newDigester();
    this.progress = progress;
    progress.accept(0);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (verified) {
      return -1;
    }
    int n = in.read(b, off, len);
    if (n < 0) {
      verify();
      return -1;
    }
    digester.update(b, off, n);
    count += n;
    if (count > expectedSize) {
      throw mismatch("more than " + expectedSize + " bytes");
    }
    if (count - lastReported >= PROGRESS_STEP) {
      lastReported = count;
      progress.accept(count);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes must still be hashed.
    byte[] buf = new byte[8192];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public void mark(int readlimit) {}

  @Override
  public void reset() throws IOException {
    throw new IOException("mark/reset not supported while verifying " + source);
  }

  /** Reads what is left, which verifies the blob. */
  void drain() throws IOException {
    byte[] buf = new byte[64 * 1024];
    while (read(buf, 0, buf.length) >= 0) {
      // only hashing
    }
  }

  boolean verified() {
    return verified;
  }

  long count() {
    return count;
  }

  private void verify() {
    if (count != expectedSize) {
      throw mismatch(count + " bytes");
    }
    Digest actual = new Digest(expected.algorithm(), hex(digester.digest()));
    if (!actual.equals(expected)) {
      throw new DigestMismatchException(expected.toString(), actual.toString(), source);
    }
    verified = true;
    progress.accept(count);
  }

  private DigestMismatchException mismatch(String actualSize) {
    return new DigestMismatchException(
        expected + " (" + expectedSize + " bytes)", actualSize, source);
  }

  private static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }
}
