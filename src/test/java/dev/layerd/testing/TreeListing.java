package dev.layerd.testing;

import dev.layerd.linux.Xattrs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A comparable description of a directory tree, one line per path: type, mode, owner, content hash
 * or link target, xattrs, and the other names of a hardlinked file; with times, also the
 * modification time in nanoseconds of every entry but the root.
 */
public final class TreeListing {
  private TreeListing() {}

  /** Path (relative, the root as ".") to its description, times left out. */
  public static Map<String, String> of(Path root) throws IOException {
    return of(root, false);
  }

  /** Path (relative, the root as ".") to its description, with modification times. */
  public static Map<String, String> withTimes(Path root) throws IOException {
    return of(root, true);
  }

  private static Map<String, String> of(Path root, boolean times) throws IOException {
    Map<String, String> out = new TreeMap<>();
    Map<Object, List<String>> inodes =
        new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            visit(dir);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            visit(file);
            return FileVisitResult.CONTINUE;
          }

          private void visit(Path p) throws IOException {
            String rel = root.relativize(p).toString();
            rel = rel.isEmpty() ? "." : rel;
            Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            String type =
                switch (mode & 0170000) {
                  case 0040000 -> "dir";
                  case 0100000 -> "file";
                  case 0120000 -> "symlink";
                  case 0020000 -> "char";
                  case 0060000 -> "block";
                  case 0010000 -> "fifo";
                  default -> "other";
                };
            StringBuilder d = new StringBuilder(type);
            d.append(String.format(" %04o %s:%s", mode & 07777, a.get("uid"), a.get("gid")));
            switch (type) {
              case "file" -> d.append(" sha256=").append(hash(p));
              case "symlink" -> d.append(" -> ").append(Files.readSymbolicLink(p));
              case "char", "block" -> d.append(" rdev=").append(a.get("rdev"));
              default -> {}
            }
            List<String> names = new ArrayList<>(Xattrs.llist(p.toString()));
            names.sort(null);
            for (String n : names) {
              if (n.startsWith("trusted.overlay.") || n.startsWith("security.")) {
                continue;
              }
              byte[] v = Xattrs.lget(p.toString(), n).orElse(new byte[0]);
              d.append(" xattr:").append(n).append('=').append(HexFormat.of().formatHex(v));
            }
            if (times && !rel.equals(".")) {
              d.append(" mtime=").append(((FileTime) a.get("lastModifiedTime")).toInstant());
            }
            out.put(rel, d.toString());
            if (type.equals("file") && (Integer) a.get("nlink") > 1) {
              inodes
                  .computeIfAbsent(a.get("dev") + ":" + a.get("ino"), k -> new ArrayList<>())
                  .add(rel);
            }
          }
        });
    for (List<String> group : inodes.values()) {
      if (group.size() > 1) {
        group.sort(null);
        for (String n : group) {
          out.put(n, out.get(n) + " links=" + group);
        }
      }
    }
    return out;
  }

  private static String hash(Path p) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest()).substring(0, 16);
  }
}
