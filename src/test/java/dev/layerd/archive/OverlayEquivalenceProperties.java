package dev.layerd.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.linux.MountCalls;
import dev.layerd.linux.Xattrs;
import dev.layerd.testing.RequiresRoot;
import dev.layerd.testing.RootSkipHook;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * What makes parallel unpacking legitimate: a stack of layers applied in order in DELETE mode
 * onto one directory gives the same tree as each layer applied in OVERLAY mode into its own empty
 * directory, mounted by the kernel's overlayfs.
 */
@RequiresRoot
@AddLifecycleHook(RootSkipHook.class)
class OverlayEquivalenceProperties {
  private static final String[] TOP = {"a", "b", "c"};
  private static final String[] MID = {"x", "y"};
  private static final String[] LEAF = {"p", "q"};

  @Property(tries = 60)
  void orderedDeleteEqualsParallelOverlay(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int depth) throws Exception {
    Random r = new Random(seed);
    List<byte[]> layers = new ArrayList<>();
    java.util.Set<String> present = new TreeSet<>();
    for (int i = 0; i < depth; i++) {
      layers.add(layer(r, present));
    }
    Path tmp = Files.createTempDirectory("layerd-equiv");
    Path merged = Files.createDirectory(tmp.resolve("merged"));
    boolean mounted = false;
    try {
      Path flat = Files.createDirectory(tmp.resolve("flat"));
      List<Path> lowers = new ArrayList<>();
      for (int i = 0; i < layers.size(); i++) {
        apply(flat, layers.get(i), WhiteoutMode.DELETE);
        Path own = Files.createDirectory(tmp.resolve("l" + i));
        apply(own, layers.get(i), WhiteoutMode.OVERLAY);
        lowers.addFirst(own);
      }
      // a read-only overlay needs two lower layers: an empty one at the bottom
      lowers.add(Files.createDirectory(tmp.resolve("empty")));
      StringBuilder lower = new StringBuilder();
      for (Path p : lowers) {
        lower.append(lower.isEmpty() ? "" : ":").append(p);
      }
      MountCalls.mount("overlay", merged, "overlay", MountCalls.MS_RDONLY, "lowerdir=" + lower);
      mounted = true;

      assertThat(describe(merged)).as("seed %d", seed).isEqualTo(describe(flat));
    } finally {
      if (mounted) {
        MountCalls.unmount(merged, MountCalls.MNT_DETACH);
      }
      deleteTree(tmp);
    }
  }

  private static void apply(Path root, byte[] layer, WhiteoutMode mode) throws IOException {
    Archives.apply(
        root,
        new ByteArrayInputStream(layer),
        ArchiveOptions.builder().whiteoutMode(mode).build());
  }

  // ---- the generator

  private sealed interface Node {}

  private record FileNode(String content, int mode, int uid, String xattr) implements Node {}

  private record DirNode(int mode, int uid, String xattr) implements Node {}

  private record LinkNode(String target) implements Node {}

  private record HardNode(String target) implements Node {}

  /**
   * One layer: random operations on a small namespace, parents carried, links kept inside, and
   * whiteouts only for paths the layers below hold (as a differ makes them: overlayfs lists a
   * whiteout of nothing in a directory no other layer has). {@code present} tracks the stack.
   */
  private static byte[] layer(Random r, java.util.Set<String> present) {
    Map<String, Node> entries = new LinkedHashMap<>();
    List<String> whiteouts = new ArrayList<>();
    List<String> opaques = new ArrayList<>();
    int ops = 1 + r.nextInt(8);
    for (int i = 0; i < ops; i++) {
      String path = randomPath(r);
      switch (r.nextInt(8)) {
        case 0, 1 -> {
          if (canPlace(entries, whiteouts, path)) {
            parents(entries, path, r);
            entries.put(path, new FileNode(
                pick(r, "", "x", "hello " + r.nextInt(100)),
                pick(r, 0644, 0600, 0755, 04755, 02750),
                pick(r, 0, 1000),
                r.nextInt(3) == 0 ? "v" + r.nextInt(3) : null));
          }
        }
        case 2 -> {
          if (canPlace(entries, whiteouts, path)) {
            parents(entries, path, r);
            entries.put(path, dir(r));
          }
        }
        case 3 -> {
          if (canPlace(entries, whiteouts, path)) {
            parents(entries, path, r);
            entries.put(path, new LinkNode(pick(r, "x", "../a", "/b/x", "nowhere")));
          }
        }
        case 4 -> {
          List<String> files = new ArrayList<>();
          entries.forEach((p, n) -> {
            if (n instanceof FileNode) {
              files.add(p);
            }
          });
          if (!files.isEmpty() && canPlace(entries, whiteouts, path)) {
            parents(entries, path, r);
            entries.put(path, new HardNode(files.get(r.nextInt(files.size()))));
          }
        }
        case 5, 6 -> {
          if (present.isEmpty()) {
            continue;
          }
          path = new ArrayList<>(present).get(r.nextInt(present.size()));
          if (canPlace(entries, whiteouts, path)) {
            parents(entries, path, r);
            whiteouts.add(path);
          }
        }
        default -> {
          if (entries.get(path) instanceof DirNode) {
            opaques.add(path);
          } else if (canPlace(entries, whiteouts, path)) {
            parents(entries, path, r);
            entries.put(path, dir(r));
            opaques.add(path);
          }
        }
      }
    }
    for (String w : whiteouts) {
      present.removeIf(p -> p.equals(w) || p.startsWith(w + "/"));
    }
    for (String o : opaques) {
      present.removeIf(p -> p.startsWith(o + "/") && !entries.containsKey(p));
    }
    entries.forEach((p, n) -> {
      if (!(n instanceof DirNode)) {
        present.removeIf(x -> x.startsWith(p + "/"));
      }
      present.add(p);
    });
    TarBuilder tar = new TarBuilder();
    List<String> early = new ArrayList<>();
    for (String o : opaques) {
      if (r.nextBoolean()) {
        early.add(o);
      }
    }
    for (Map.Entry<String, Node> e : entries.entrySet()) {
      String p = e.getKey();
      switch (e.getValue()) {
        case FileNode f -> {
          TarBuilder.Opts o =
              TarBuilder.with().mode(f.mode()).owner(f.uid(), f.uid()).mtime(randomTime(r));
          if (f.xattr() != null) {
            o.xattr("user.k", f.xattr());
          }
          tar.file(p, f.content(), o);
        }
        case DirNode d -> {
          TarBuilder.Opts o =
              TarBuilder.with().mode(d.mode()).owner(d.uid(), d.uid()).mtime(randomTime(r));
          if (d.xattr() != null) {
            o.xattr("user.d", d.xattr());
          }
          tar.dir(p, o);
          if (early.contains(p)) {
            tar.opaque(p); // marker before the directory's children
          }
        }
        case LinkNode l -> tar.symlink(p, l.target());
        case HardNode h -> tar.hardlink(p, h.target());
      }
    }
    for (String w : whiteouts) {
      int s = w.lastIndexOf('/');
      tar.whiteout(s < 0 ? "" : w.substring(0, s), w.substring(s + 1));
    }
    for (String o : opaques) {
      if (!early.contains(o)) {
        tar.opaque(o); // marker after the children
      }
    }
    return tar.bytes();
  }

  private static DirNode dir(Random r) {
    return new DirNode(
        pick(r, 0755, 0700, 0750, 01777), pick(r, 0, 1000), r.nextInt(3) == 0 ? "d" : null);
  }

  private static String randomPath(Random r) {
    String p = TOP[r.nextInt(TOP.length)];
    int depth = r.nextInt(3);
    if (depth >= 1) {
      p += "/" + MID[r.nextInt(MID.length)];
    }
    if (depth >= 2) {
      p += "/" + LEAF[r.nextInt(LEAF.length)];
    }
    return p;
  }

  /** Free in this layer, and every ancestor absent or a directory, none whited out. */
  private static boolean canPlace(Map<String, Node> entries, List<String> whiteouts, String p) {
    if (entries.containsKey(p) || whiteouts.contains(p)) {
      return false;
    }
    for (int s = p.indexOf('/'); s >= 0; s = p.indexOf('/', s + 1)) {
      String a = p.substring(0, s);
      boolean notDir = entries.containsKey(a) && !(entries.get(a) instanceof DirNode);
      if (whiteouts.contains(a) || notDir) {
        return false;
      }
    }
    return true;
  }

  private static void parents(Map<String, Node> entries, String p, Random r) {
    for (int s = p.indexOf('/'); s >= 0; s = p.indexOf('/', s + 1)) {
      entries.putIfAbsent(p.substring(0, s), dir(r));
    }
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... choices) {
    return choices[r.nextInt(choices.length)];
  }

  // ---- comparing trees

  /** Every path below {@code root}: type, mode, owner, content or target, xattrs; link groups. */
  /** Times that differ between entries and layers, so that a wrong directory time shows. */
  private static java.time.Instant randomTime(Random r) {
    return TarBuilder.WHEN.plusSeconds(r.nextInt(1_000_000)).plusNanos(r.nextInt(1_000_000_000));
  }

  private static Map<String, String> describe(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    Map<Object, TreeSet<String>> inodes = new HashMap<>();
    List<Path> all;
    try (Stream<Path> s = Files.walk(root)) {
      all = s.filter(p -> !p.equals(root)).sorted().toList();
    }
    for (Path p : all) {
      String rel = root.relativize(p).toString();
      Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
      int mode = (Integer) a.get("mode");
      StringBuilder d = new StringBuilder();
      d.append(Integer.toOctalString(mode)).append(' ').append(a.get("uid")).append(':')
          .append(a.get("gid"));
      if (Files.isSymbolicLink(p)) {
        d.append(" -> ").append(Files.readSymbolicLink(p));
      } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        d.append(" '").append(Files.readString(p)).append('\'');
        inodes.computeIfAbsent(a.get("ino"), k -> new TreeSet<>()).add(rel);
      } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        d.append(" rdev ").append(a.get("rdev"));
      }
      d.append(" mtime=").append(a.get("lastModifiedTime"));
      for (String x : new TreeSet<>(Xattrs.llist(p.toString()))) {
        if (x.startsWith("trusted.overlay.") || x.startsWith("user.overlay.")) {
          continue;
        }
        d.append(' ').append(x).append('=')
            .append(new String(Xattrs.lget(p.toString(), x).orElseThrow()));
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

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }
}
