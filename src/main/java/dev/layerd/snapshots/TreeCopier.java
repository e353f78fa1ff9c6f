package dev.layerd.snapshots;

import dev.layerd.errdefs.NotImplementedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;

/**
 * Copies a layer tree exactly: types, modes, owners, times, hardlinks as hardlinks, holes in
 * sparse files as holes. Symlinks are copied, never followed.
 */
final class TreeCopier {
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
  private static final int BLOCK = 64 * 1024;

  private TreeCopier() {}

  /** Copies the contents and metadata of {@code src} into the existing empty dir {@code dst}. */
  static void copy(Path src, Path dst) throws IOException {
    Map<Object, Path> links = new HashMap<>();
    Files.walkFileTree(
        src,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a)
              throws IOException {
            Path t = dst.resolve(src.relativize(d).toString());
            if (!d.equals(src)) {
              Files.createDirectory(t);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            Path t = dst.resolve(src.relativize(f).toString());
            int nlink = (Integer) Files.getAttribute(f, "unix:nlink", NOFOLLOW);
            if (nlink > 1 && !a.isDirectory()) {
              Path first = links.putIfAbsent(a.fileKey(), t);
              if (first != null) {
                Files.createLink(t, first);
                return FileVisitResult.CONTINUE;
              }
            }
            if (a.isSymbolicLink()) {
              Files.createSymbolicLink(t, Files.readSymbolicLink(f));
            } else if (a.isRegularFile()) {
              copyData(f, t, a.size());
            } else {
              // TODO: device nodes, fifos and sockets need mknodat; use linux file calls.
              throw new NotImplementedException("cannot copy special file " + f + " yet");
            }
            copyMetadata(f, t, a);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Path t = dst.resolve(src.relativize(d).toString());
            copyMetadata(d, t, Files.readAttributes(d, BasicFileAttributes.class, NOFOLLOW));
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Copies bytes, skipping all-zero blocks so that holes stay holes. */
  private static void copyData(Path from, Path to, long size) throws IOException {
    try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.allocate(BLOCK);
      long pos = 0;
      while (pos < size) {
        buf.clear();
        int n = in.read(buf, pos);
        if (n < 0) {
          break;
        }
        buf.flip();
        if (!zero(buf)) {
          while (buf.hasRemaining()) {
            out.write(buf, pos + buf.position());
          }
        }
        pos += n;
      }
      out.truncate(pos);
      if (out.size() < pos) {
        // truncate never grows: write the last byte so a trailing hole keeps the size.
        out.write(ByteBuffer.allocate(1), pos - 1);
      }
    }
  }

  private static boolean zero(ByteBuffer b) {
    for (int i = b.position(); i < b.limit(); i++) {
      if (b.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private static void copyMetadata(Path from, Path to, BasicFileAttributes a) throws IOException {
    Map<String, Object> u = Files.readAttributes(from, "unix:uid,gid,mode", NOFOLLOW);
    Files.setAttribute(to, "unix:uid", u.get("uid"), NOFOLLOW);
    Files.setAttribute(to, "unix:gid", u.get("gid"), NOFOLLOW);
    if (!a.isSymbolicLink()) {
      Files.setAttribute(to, "unix:mode", u.get("mode"), NOFOLLOW);
    }
    FileTime m = a.lastModifiedTime();
    FileTime acc = a.lastAccessTime();
    Files.getFileAttributeView(to, BasicFileAttributeView.class, NOFOLLOW).setTimes(m, acc, null);
  }
}
