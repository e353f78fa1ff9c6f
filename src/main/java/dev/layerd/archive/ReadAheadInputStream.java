package dev.layerd.archive;

import dev.layerd.io.InputStreams;
import dev.layerd.io.Threads;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads its source on a thread of its own, a few chunks ahead, so that reading and decompressing
 * a layer overlap with writing its files. What the source throws is rethrown to the
 * reader as it was. {@link #close()} stops the thread and waits for it, but does not close the
 * source. Single reader.
 */
final class ReadAheadInputStream extends InputStream {
  private static final int CHUNK = 1 << 20;
  private static final int READ = 1 << 16;
  private static final int DEPTH = 4;
  private static final long POLL_MS = 50;

  /** A chunk of data, or the end ({@code len} -1, with the source's failure if it failed). */
  private record Chunk(byte[] data, int len, Throwable failure) {}

  private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(DEPTH);
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(DEPTH + 2);
  private final Thread thread;
  private volatile boolean closed;
  private Chunk current;
  private int pos;
  private boolean ended;
  private Throwable failure;

  ReadAheadInputStream(InputStream source, String name) {
    for (int i = 0; i < DEPTH + 2; i++) {
      free.add(new byte[CHUNK]);
    }
    thread =
        Thread.ofPlatform().daemon().name("layer-read " + name).start(() -> pump(source));
  }

  private void pump(InputStream source) {
    while (true) {
      byte[] b = take(free);
      if (b == null) {
        return;
      }
      int n = 0;
      Throwable failure = null;
      try {
        // small reads: a decompressor that fails drops what the failing read had made
        for (int r; n < b.length && (r = source.read(b, n, Math.min(READ, b.length - n))) >= 0; ) {
          n += r;
        }
      } catch (IOException | RuntimeException | Error e) {
        failure = e;
      }
      // what came before a failure is handed on first: errors then name the right entry
      if (n > 0 && !put(new Chunk(b, n, null))) {
        return;
      }
      if (failure != null || n < b.length) {
        put(new Chunk(null, -1, failure));
        return;
      }
    }
  }

  private <T> T take(BlockingQueue<T> q) {
    try {
      T t;
      while ((t = q.poll(POLL_MS, TimeUnit.MILLISECONDS)) == null) {
        if (closed) {
          return null;
        }
      }
      return t;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private boolean put(Chunk c) {
    try {
      while (!full.offer(c, POLL_MS, TimeUnit.MILLISECONDS)) {
        if (closed) {
          return false;
        }
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public int read() throws IOException {
    return InputStreams.readOne(this);
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (!next()) {
      return -1;
    }
    int k = Math.min(len, current.len() - pos);
    System.arraycopy(current.data(), pos, b, off, k);
    pos += k;
    return k;
  }

  /** Makes {@code current} hold unread bytes; false at the end. */
  private boolean next() throws IOException {
    rethrow();
    if (ended) {
      return false;
    }
    if (current != null && pos < current.len()) {
      return true;
    }
    if (current != null) {
      free.add(current.data());
      current = null;
    }
    Chunk c;
    try {
      c = full.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading the layer");
    }
    if (c.failure() != null) {
      failure = c.failure();
    }
    rethrow();
    if (c.len() < 0) {
      ended = true;
      return false;
    }
    current = c;
    pos = 0;
    return true;
  }

  /** The source's failure again, on every read after it (the thread has stopped). */
  private void rethrow() throws IOException {
    switch (failure) {
      case null -> {}
      case IOException x -> throw x;
      case RuntimeException x -> throw x;
      case Error x -> throw x;
      default -> throw new IOException(failure);
    }
  }

  @Override
  public int available() {
    return current == null ? 0 : current.len() - pos;
  }

  /** Stops the read-ahead and waits for the thread: the source is the caller's again. */
  @Override
  public void close() throws IOException {
    closed = true;
    Threads.joinUninterruptibly(thread);
  }
}
