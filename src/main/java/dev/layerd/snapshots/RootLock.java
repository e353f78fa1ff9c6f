package dev.layerd.snapshots;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes a directory operation and its metadata change one step for every thread and process on a
 * snapshotter root: a lock file held with {@link FileChannel#lock()} plus an in-process lock.
 *
 * <p>POSIX record locks belong to the process, and closing any descriptor of the file drops them
 * all; so one channel per lock file is shared by every snapshotter of this JVM on that root,
 * counted and closed when the last one closes.
 */
final class RootLock implements AutoCloseable {
  @FunctionalInterface
  interface Step<T> {
    T run() throws IOException;
  }

  private static final Map<Path, RootLock> OPEN = new HashMap<>();

  private final Path file;
  private final FileChannel channel;
  private final ReentrantLock jvmLock = new ReentrantLock();
  private int users;

  private RootLock(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  static RootLock acquire(Path file) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    synchronized (OPEN) {
      RootLock l = OPEN.get(key);
      if (l == null) {
        FileChannel ch =
            FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        l = new RootLock(key, ch);
        OPEN.put(key, l);
      }
      l.users++;
      return l;
    }
  }

  /** Runs {@code step} holding the lock. */
  <T> T locked(Step<T> step) throws IOException {
    jvmLock.lock();
    try (FileLock ignored = channel.lock()) {
      return step.run();
    } finally {
      jvmLock.unlock();
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (OPEN) {
      if (--users == 0) {
        OPEN.remove(file);
        channel.close();
      }
    }
  }
}
