package dev.layerd.testing;

import dev.layerd.linux.Xattrs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/** A tree as comparable text, for tests that check two trees are the same. */
public final class TreeDescription {
  private TreeDescription() {}

  /** Every path: type and mode, owner, mtime, content or target or device, xattrs; links. */
  public static Map<String, String> describe(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    Map<Object, TreeSet<String>> inodes = new HashMap<>();
    List<Path> all;
    try (Stream<Path> s = Files.walk(root)) {
      all = s.filter(p -> !p.equals(root)).sorted().toList();
    }
    for (Path p : all) {
      String rel = root.relativize(p).toString();
      Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
      StringBuilder d = new StringBuilder();
      d.append(Integer.toOctalString((Integer) a.get("mode"))).append(' ').append(a.get("uid"))
          .append(':').append(a.get("gid"));
      if (Files.isSymbolicLink(p)) {
        d.append(" -> ").append(Files.readSymbolicLink(p));
      } else {
        d.append(" mtime ").append(a.get("lastModifiedTime"));
      }
      if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        d.append(" '").append(Files.readString(p, StandardCharsets.UTF_8)).append('\'');
        inodes.computeIfAbsent(a.get("ino"), k -> new TreeSet<>()).add(rel);
      } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
          && !Files.isSymbolicLink(p)) {
        d.append(" rdev ").append(a.get("rdev"));
      }
      for (String x : new TreeSet<>(Xattrs.llist(p.toString()))) {
        if (x.startsWith("trusted.overlay.")) {
          continue;
        }
        d.append(' ').append(x).append('=')
            .append(HexFormat.of().formatHex(Xattrs.lget(p.toString(), x).orElseThrow()));
      }
      out.put(rel, d.toString());
    }
    for (TreeSet<String> group : inodes.values()) {
      if (group.size() > 1) {
        out.put("hardlinks " + group.first(), group.toString());
      }
    }
    return out;
  }
}
