package dev.layerd.api;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps prune apart from the work that makes references: imports, unpacks and mounts hold it
 * shared, prune holds it exclusive, so prune never deletes a blob or snapshot that an operation
 * in flight is about to reference. Within the process, counts under a monitor (a handle may be
 * released by any thread, and a waiting prune holds back new shared holders so it is not
 * starved); across processes, a file lock on {@code <root>/locks/gc}, held shared while any
 * operation here holds the lock shared.
 */
final class GcLock {
  /** A held lock; closing releases it. */
  interface Held extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  private final Path file;
  private int shared; // guarded by this
  private int exclusiveWaiting; // guarded by this
  private boolean exclusive; // guarded by this
  private FileChannel channel; // guarded by this: open while the process holds the file lock
  private FileLock fileLock; // guarded by this

  GcLock(Path file) {
    this.file = file;
  }

  /** Taken by operations that create references; many may hold it at once. */
  synchronized Held shared() throws IOException {
    while (exclusive || exclusiveWaiting > 0) {
      await();
    }
    if (shared == 0) {
      lockFile(true);
    }
    shared++;
    return this::releaseShared;
  }

  /** Taken by prune; waits until no operation here or in another process holds it shared. */
  synchronized Held exclusive() throws IOException {
    exclusiveWaiting++;
    try {
      while (exclusive || shared > 0) {
        await();
      }
      lockFile(false);
      exclusive = true;
    } finally {
      exclusiveWaiting--;
    }
    return this::releaseExclusive;
  }

  private synchronized void releaseShared() throws IOException {
    if (--shared == 0) {
      try {
        unlockFile();
      } finally {
        notifyAll();
      }
    }
  }

  private synchronized void releaseExclusive() throws IOException {
    exclusive = false;
    try {
      unlockFile();
    } finally {
      notifyAll();
    }
  }

  private void await() throws InterruptedIOException {
    try {
      wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for the gc lock " + file);
    }
  }

  private void lockFile(boolean sharedMode) throws IOException {
    Files.createDirectories(file.getParent());
    FileChannel c =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      fileLock = c.lock(0, Long.MAX_VALUE, sharedMode);
      channel = c;
    } catch (IOException | RuntimeException e) {
      try {
        c.close();
      } catch (IOException x) {
        e.addSuppressed(x);
      }
      throw e;
    }
  }

  private void unlockFile() throws IOException {
    try (FileChannel c = channel) {
      fileLock.release();
    } finally {
      channel = null;
      fileLock = null;
    }
  }
}
