package dev.layerd.archive;

import dev.layerd.io.Threads;
import dev.layerd.linux.ErrnoException;
import dev.layerd.linux.FileCalls;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * Finishes small regular files on a thread of its own: writes their content, then owner, mode and
 * times, and closes them, while the applier goes on creating the next ones. Creating a file and
 * writing it are the two costly system calls per small file; this puts them on two cores.
 *
 * <p>The applier opens each file itself, in entry order, so names, replacements, hardlinks and
 * whiteouts see the same tree as without this; only the inode's content and metadata arrive a
 * little later, and {@link #drain()} waits for all of them before directory metadata is set and
 * before anything else reads the tree. A failure is kept and rethrown to the applier, naming the
 * entry, at its next {@link #submit} or {@link #drain()}; files after it are closed unwritten. In
 * flight at most {@value #MAX_FILES} descriptors and {@value #MAX_BYTES} bytes.
 *
 * <p>Files are handed over, and room for more given back, in batches of up to {@value
 * #BATCH_FILES} files or {@value #BATCH_BYTES} bytes: one file at a time, the two threads woke each
 * other for every file (three futex calls per file of a 50,000-file layer). The applier calls
 * {@link #flush()} before work of its own that takes long, so the batch it holds does not wait.
 */
final class WriteBehind implements AutoCloseable {
  /** The largest file handed over: bigger ones stream through the applier's own buffer. */
  static final int MAX_FILE = 256 << 10;

  static final int MAX_FILES = 128;
  static final int MAX_BYTES = 16 << 20;
  static final int BATCH_FILES = 32;
  static final int BATCH_BYTES = 1 << 20;

  /** One file: an open descriptor the task now owns, its whole content and its metadata. */
  private record Task(int fd, byte[] data, Metadata md, String entry) {}

  private static final List<Task> STOP = Collections.unmodifiableList(new ArrayList<>());

  private final String layer;
  private final boolean sameOwner;
  private final LinkedBlockingQueue<List<Task>> queue = new LinkedBlockingQueue<>();
  private List<Task> batch = new ArrayList<>(BATCH_FILES);
  private long batchBytes;
  private final Semaphore files = new Semaphore(MAX_FILES);
  private final Semaphore bytes = new Semaphore(MAX_BYTES);
  private final Thread thread;
  private volatile IOException failure;

  WriteBehind(String layer, boolean sameOwner) {
    this.layer = layer;
    this.sameOwner = sameOwner;
    this.thread = Thread.ofPlatform().daemon().name("layer-write " + layer).start(this::run);
  }

  /** Hands over {@code fd}, which the caller must no longer use or close. */
  void submit(int fd, byte[] data, Metadata md, String entry) throws IOException {
    int size = Math.max(1, data.length);
    if (!files.tryAcquire() || !bytes.tryAcquire(size)) {
      flush(); // before waiting for the writer: it may be waiting for this very batch
      try {
        files.acquire();
        bytes.acquire(size);
      } catch (InterruptedException e) {
        closeQuietly(fd, entry);
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted applying layer " + layer);
      }
    }
    batch.add(new Task(fd, data, md, entry));
    batchBytes += data.length;
    if (batch.size() >= BATCH_FILES || batchBytes >= BATCH_BYTES) {
      flush();
    }
    rethrow();
  }

  /** Hands the files held back so far to the writer. */
  void flush() {
    if (!batch.isEmpty()) {
      queue.add(batch);
      batch = new ArrayList<>(BATCH_FILES);
      batchBytes = 0;
    }
  }

  /** Waits until every file handed over is finished; rethrows the first failure. */
  void drain() throws IOException {
    flush();
    try {
      files.acquire(MAX_FILES);
      files.release(MAX_FILES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted applying layer " + layer);
    }
    rethrow();
  }

  private void rethrow() throws IOException {
    IOException f = failure;
    if (f != null) {
      throw f;
    }
  }

  private void run() {
    while (true) {
      List<Task> tasks;
      try {
        tasks = queue.take();
      } catch (InterruptedException e) {
        return; // only close() interrupts, after the applier stopped submitting
      }
      if (tasks == STOP) {
        return;
      }
      long size = 0;
      for (Task t : tasks) {
        finishOrClose(t);
        size += Math.max(1, t.data().length);
      }
      // released per batch too: the applier, waiting for room, is then woken once per batch
      bytes.release((int) size);
      files.release(tasks.size());
    }
  }

  /** Finishes {@code t}, or only closes it once an earlier file failed; keeps the failure. */
  private void finishOrClose(Task t) {
    try {
      if (failure == null) {
        finish(t);
      } else {
        closeQuietly(t.fd(), t.entry());
      }
    } catch (ErrnoException x) {
      failure =
          new IOException("layer " + layer + ", entry " + t.entry() + ": " + x.getMessage(), x);
    } catch (IOException | RuntimeException | Error x) {
      failure = new IOException("layer " + layer + ", entry " + t.entry() + ": " + x, x);
    }
  }

  /** Content, then chown (which clears setuid and setgid), then mode, times, and close. */
  private void finish(Task t) throws IOException {
    boolean ok = false;
    try {
      if (t.data().length > 0) {
        FileCalls.write(t.fd(), t.data(), 0, t.data().length, t.entry());
      }
      Metadata md = t.md();
      if (sameOwner) {
        FileCalls.fchown(t.fd(), md.uid(), md.gid(), t.entry());
      }
      FileCalls.fchmod(t.fd(), md.mode(), t.entry());
      FileCalls.futimens(
          t.fd(), md.atimeSec(), md.atimeNsec(), md.mtimeSec(), md.mtimeNsec(), t.entry());
      ok = true;
    } finally {
      if (ok) {
        FileCalls.close(t.fd(), t.entry());
      } else {
        closeQuietly(t.fd(), t.entry());
      }
    }
  }

  private static void closeQuietly(int fd, String entry) {
    try {
      FileCalls.close(fd, entry);
    } catch (ErrnoException ignored) {
      // the file is abandoned with the failed apply; its descriptor is gone either way
    }
  }

  /** Finishes what was handed over (or, after a failure, closes it) and stops the thread. */
  @Override
  public void close() throws IOException {
    flush();
    queue.add(STOP);
    Threads.joinUninterruptibly(thread);
  }
}
