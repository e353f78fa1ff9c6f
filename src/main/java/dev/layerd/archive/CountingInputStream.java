package dev.layerd.archive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/**
 * Counts the compressed bytes read and reports them, at most once per mebibyte. Remembers a
 * failure of the source itself, which is not the layer's fault whatever the readers above make
 * of it.
 */
final class CountingInputStream extends FilterInputStream {
  private static final long STEP = 1 << 20;
  private final LongConsumer progress;
  private long count;
  private long reported;
  private IOException failure;

  CountingInputStream(InputStream in, LongConsumer progress) {
    super(in);
    this.progress = progress;
    progress.accept(0);
  }

  @Override
  public int read() throws IOException {
    int b;
    try {
      b = in.read();
    } catch (IOException e) {
      failure = e;
      throw e;
    }
    if (b >= 0) {
      add(1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n;
    try {
      n = in.read(b, off, len);
    } catch (IOException e) {
      failure = e;
      throw e;
    }
    if (n > 0) {
      add(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long s;
    try {
      s = in.skip(n);
    } catch (IOException e) {
      failure = e;
      throw e;
    }
    if (s > 0) {
      add(s);
    }
    return s;
  }

  @Override
  public void close() {
    // the caller owns the layer stream
  }

  /** The I/O error the source stream threw, or null. */
  IOException failure() {
    return failure;
  }

  private void add(long n) {
    count += n;
    if (count - reported >= STEP) {
      reported = count;
      progress.accept(count);
    }
  }

  /** Reads what is left of the compressed stream and reports the final count. */
  void finish() throws IOException {
    byte[] buf = new byte[65536];
    while (read(buf, 0, buf.length) >= 0) {
      // compressed bytes after the end of the compressed data are not part of the layer
    }
    progress.accept(count);
  }
}
