package dev.layerd.unpack;

import dev.layerd.oci.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;

/**
 * One lock per chain ID, so two unpacks of the same layers never race: a semaphore for threads of
 * this process (shared by every unpacker on the same lock directory) and an exclusive file lock for
 * other processes. Lock files are left in place: deleting one while another process waits on it
 * would let a third process lock a fresh file and run alongside.
 *
 * <p>Callers take locks bottom-up along a chain; two chains share a chain ID only if they share
 * every layer below it, so that order cannot deadlock.
 */
final class ChainLocks {
  private static final ConcurrentMap<String, Semaphore> IN_PROCESS = new ConcurrentHashMap<>();

  private final Path dir;

  /** Locks under {@code dir}; a null directory locks within this process only. */
  ChainLocks(Path dir) {
    this.dir = dir;
  }

  /** A held lock; closing it releases the file lock and then the in-process one. */
  interface Held extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  Held lock(Digest chainId) throws IOException {
    String name = chainId.algorithm() + "-" + chainId.hex();
    String id = (dir == null ? "" : dir.toAbsolutePath().normalize() + "/") + name;
    Semaphore s = IN_PROCESS.computeIfAbsent(id, k -> new Semaphore(1));
    try {
      s.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for the lock on " + chainId);
    }
    if (dir == null) {
      return s::release;
    }
    FileChannel ch = null;
    try {
      Files.createDirectories(dir);
      ch =
          FileChannel.open(
              dir.resolve(name + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock fl = ch.lock();
      FileChannel open = ch;
      return () -> {
        try (open) {
          fl.release();
        } finally {
          s.release();
        }
      };
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException c) {
          e.addSuppressed(c);
        }
      }
      s.release();
      throw e;
    }
  }
}
