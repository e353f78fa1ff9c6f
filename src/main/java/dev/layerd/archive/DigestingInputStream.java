package dev.layerd.archive;

import dev.layerd.io.InputStreams;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/** Hashes and counts every byte read through it. */
final class DigestingInputStream extends FilterInputStream {
  private final MessageDigest digest;
  private long count;

  DigestingInputStream(InputStream in, MessageDigest digest) {
    super(in);
    this.digest = digest;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      digest.update((byte) b);
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      digest.update(b, off, n);
      count += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // skipped bytes must be hashed too
    return InputStreams.skipByReading(this, n);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  long count() {
    return count;
  }

  MessageDigest digest() {
    return digest;
  }
}
