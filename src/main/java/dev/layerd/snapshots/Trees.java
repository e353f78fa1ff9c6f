package dev.layerd.snapshots;

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

/** Whole-tree helpers: removal and disk usage. Never follow symlinks. */
final class Trees {
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
   * Bytes and inodes below {@code dir}, the directory itself included; a file with several links
   * counts once.
   */
  static Usage usage(Path dir) throws IOException {
    long[] total = new long[2];
    Set<Object> seen = new HashSet<>();
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
            count(a);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
            count(a);
            return FileVisitResult.CONTINUE;
          }

          private void count(BasicFileAttributes a) {
            Object key = a.fileKey();
            if (key == null || seen.add(key)) {
              // TODO: apparent size, not allocated blocks; use statx blocks once linux has it.
              total[0] += a.size();
              total[1]++;
            }
          }
        });
    return new Usage(total[0], total[1]);
  }
}
