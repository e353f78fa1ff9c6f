package dev.layerd.diff;

import dev.layerd.io.InputStreams;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/**
 * Counts the bytes read and reports them: 0 when opened, then about every MiB, and the final count
 * when the end is reached. Not thread-safe; closes the wrapped stream.
 */
final class ProgressInputStream extends FilterInputStream {
  private static final long STEP = 1 << 20;

  private final LongConsumer progress;
  private long count;
  private long reported;
  private boolean ended;

  ProgressInputStream(InputStream in, LongConsumer progress) {
    super(in);
    this.progress = progress;
    progress.accept(0);
  }

  @Override
  public int read() throws IOException {
    return InputStreams.readOne(this);
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n < 0) {
      if (!ended) {
        ended = true;
        progress.accept(count);
      }
      return -1;
    }
    count += n;
    if (count - reported >= STEP) {
      reported = count;
      progress.accept(count);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    return InputStreams.skipByReading(this, n);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** Reads what is left. */
  void drain() throws IOException {
    byte[] buf = new byte[64 * 1024];
    while (read(buf, 0, buf.length) >= 0) {
      // only counting; the stream below verifies
    }
  }
}
