package dev.layerd.snapshots;

import dev.layerd.linux.DirEntry;
import dev.layerd.linux.Errno;
import dev.layerd.linux.ErrnoException;
import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Statx;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/** Whole-tree operations: removal and disk usage. Never follow symlinks. */
final class Trees {
  private static final int DIR_FLAGS =
      FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC;
  private Trees() {}

  /** Removes {@code dir} and everything below it; a missing tree is fine. */
  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a)
              throws IOException {
            // A layer may hold directories without write permission for their owner.
            if (!Files.isWritable(d)) {
              d.toFile().setWritable(true, true);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            Files.deleteIfExists(f);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            Files.deleteIfExists(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /**
   * Disk used below {@code dir}, the directory itself included: allocated bytes (so holes are
   * free) and inodes, a file with several links counted once.
   */
  static Usage usage(Path dir) throws IOException {
    long[] total = new long[2];
    Set<Long> seen = new HashSet<>();
    int fd = FileCalls.openat(FileCalls.AT_FDCWD, dir.toString(), DIR_FLAGS, 0);
    try {
      count(FileCalls.fstatx(fd, dir.toString()), seen, total);
      usage(fd, dir.toString(), seen, total);
    } catch (ErrnoException e) {
      // Removed while measuring: callers turn this into "not found".
      if (e.errno() == Errno.ENOENT) {
        NoSuchFileException n = new NoSuchFileException(e.getFile());
        n.initCause(e);
        throw n;
      }
      throw e;
    } finally {
      FileCalls.close(fd, dir.toString());
    }
    return new Usage(total[0], total[1]);
  }

  private static void usage(int dirfd, String path, Set<Long> seen, long[] total)
      throws IOException {
    for (DirEntry e : FileCalls.listdir(dirfd, ".")) {
      Statx st = FileCalls.statx(dirfd, e.name(), FileCalls.AT_SYMLINK_NOFOLLOW,
          FileCalls.STATX_BASIC_STATS);
      count(st, seen, total);
      if (st.isDirectory()) {
        int fd = FileCalls.openat(dirfd, e.name(), DIR_FLAGS, 0);
        try {
          usage(fd, path + "/" + e.name(), seen, total);
        } finally {
          FileCalls.close(fd, path);
        }
      }
    }
  }

  private static void count(Statx st, Set<Long> seen, long[] total) {
    // A layer lives on one filesystem, so the inode number alone identifies a file.
    if (st.nlink() <= 1 || st.isDirectory() || seen.add(st.ino())) {
      total[0] += st.blocks() * 512;
      total[1]++;
    }
  }
}
