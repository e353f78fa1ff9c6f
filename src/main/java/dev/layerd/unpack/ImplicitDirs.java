package dev.layerd.unpack;

import dev.layerd.archive.Overlay;
import dev.layerd.content.Provider;
import dev.layerd.linux.DirEntry;
import dev.layerd.linux.Errno;
import dev.layerd.linux.ErrnoException;
import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Statx;
import dev.layerd.linux.Xattrs;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OtherMount;
import dev.layerd.mount.OverlayMount;
import dev.layerd.oci.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the directories a layer created without listing them (a layer holding {@code a/b/c} but not
 * {@code a/}) the metadata they would have had if the layer had been applied on its parent: mode,
 * owner, times and xattrs of the directory the parent chain shows at that path.
 *
 * <p>In parallel mode the applier has no lower layers to copy that metadata from and makes such
 * directories 0755 root:root; through overlayfs the upper directory's metadata wins, so without
 * this the merged tree would differ from a sequential unpack.
 *
 * <p>Candidates are directories of the layer whose metadata differs from the parent chain's
 * directory at the same path. The applier reports which directories it made implicitly; when an
 * applier did not, and there are candidates, the layer's tar is read again (its entry names only)
 * to tell listed directories, which keep their own metadata, from implicit ones.
 */
final class ImplicitDirs {
  private static final Logger LOG = LoggerFactory.getLogger(ImplicitDirs.class);

  /** Opens the layer's blob; the caller closes the stream. */
  @FunctionalInterface
  interface LayerSource {
    InputStream open() throws IOException;
  }

  private ImplicitDirs() {}

  /**
   * Fixes the layer in the active snapshot shown by {@code mounts} against the committed chain
   * {@code parent}, read through a temporary view. Returns how many directories were fixed.
   */
  static int fix(
      Unpacker u, List<Mount> mounts, String parent, Descriptor layer, Set<String> implicit)
      throws IOException {
    if (implicit != null && implicit.isEmpty()) {
      return 0; // the applier made no directory the layer did not list
    }
    Path upper = upperOf(mounts);
    if (upper == null) {
      LOG.warn(
          "cannot fix implicit directories of layer {}: unexpected mounts {}",
          layer.digest(),
          mounts);
      return 0;
    }
    String viewKey =
        "fixup-" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + " " + parent;
    List<Mount> view = u.snapshotter.view(viewKey, parent, Map.of());
    IOException failure = null;
    try {
      List<Path> lowers = lowersOf(view);
      if (lowers == null) {
        LOG.warn(
            "cannot fix implicit directories of layer {}: unexpected view mounts {}",
            layer.digest(),
            view);
        return 0;
      }
      Provider content = u.content;
      return fix(upper, lowers, implicit, () -> content.open(layer.digest()));
    } catch (IOException e) {
      failure = e;
      throw e;
    } finally {
      try {
        u.snapshotter.remove(viewKey);
      } catch (IOException | RuntimeException e) {
        if (failure != null) {
          failure.addSuppressed(e);
        } else {
          throw e;
        }
      }
    }
  }

  /** The directory a layer was written into, from an active snapshot prepared with no parent. */
  static Path upperOf(List<Mount> mounts) {
    if (mounts.size() != 1) {
      return null;
    }
    return switch (mounts.getFirst()) {
      case BindMount b -> b.sourceDir();
      case OverlayMount o -> o.upperDir();
      case OtherMount o -> null;
    };
  }

  /** The layer directories of a read-only view, top first. */
  static List<Path> lowersOf(List<Mount> view) {
    if (view.size() != 1) {
      return null;
    }
    return switch (view.getFirst()) {
      case BindMount b -> List.of(b.sourceDir());
      case OverlayMount o -> {
        List<Path> l = new ArrayList<>();
        if (o.upperDir() != null) {
          l.add(o.upperDir());
        }
        l.addAll(o.lowerDirs());
        yield l;
      }
      case OtherMount o -> null;
    };
  }

  /**
   * Fixes the implicit directories of the layer written in {@code upper}, given the parent chain's
   * layer directories {@code lowers} (top first) and the layer's blob.
   */
  static int fix(Path upper, List<Path> lowers, LayerSource layer) throws IOException {
    return fix(upper, lowers, null, layer);
  }

  /**
   * As {@link #fix(Path, List, LayerSource)}, with the implicit directories the applier reported
   * ({@code implicit}); null when it did not, and then the layer's entry names decide.
   */
  static int fix(Path upper, List<Path> lowers, Set<String> implicit, LayerSource layer)
      throws IOException {
    List<String[]> candidates = new ArrayList<>();
    List<String> lowerDirs = lowers.stream().map(Path::toString).toList();
    collect(upper.toString(), "", lowerDirs, candidates);
    if (candidates.isEmpty()) {
      return 0;
    }
    Predicate<String> isImplicit;
    if (implicit != null) {
      isImplicit = implicit::contains;
    } else {
      Set<String> listed;
      try (InputStream in = layer.open()) {
        listed = LayerPaths.listed(in);
      }
      isImplicit = p -> !listed.contains(p);
    }
    int fixed = 0;
    for (String[] c : candidates) {
      if (isImplicit.test(c[0])) {
        copyMetadata(c[1], upper + "/" + c[0]);
        fixed++;
      }
    }
    return fixed;
  }

  /**
   * Walks the directories of {@code upper} below {@code rel} that the parent chain also shows as
   * directories; records {relative path, lower path} where their metadata differs. Paths are
   * strings of names as the linux package decodes them, so that names which are not UTF-8 match
   * the applier's.
   */
  private static void collect(String upper, String rel, List<String> lowerDirs, List<String[]> out)
      throws IOException {
    String dir = rel.isEmpty() ? upper : upper + "/" + rel;
    for (DirEntry entry : FileCalls.listdir(FileCalls.AT_FDCWD, dir)) {
      String name = entry.name();
      String child = dir + "/" + name;
      Statx cst = lstat(child);
      if (cst == null || !cst.isDirectory()) {
        continue;
      }
      List<String> childLowers = new ArrayList<>();
      Statx lst = null; // of the topmost, whose metadata the merged tree shows
      for (String l : lowerDirs) {
        String lc = l + "/" + name;
        Statx a = lstat(lc);
        if (a == null) {
          continue;
        }
        if (!a.isDirectory()) {
          break; // a whiteout or a non-directory hides everything below it
        }
        childLowers.add(lc);
        if (lst == null) {
          lst = a;
        }
        if (Overlay.isOpaque(lc)) {
          break;
        }
      }
      if (childLowers.isEmpty()) {
        continue;
      }
      String childRel = rel.isEmpty() ? name : rel + "/" + name;
      // The applier gives an implicit directory with no parents epoch times; listed directories
      // differ in time from the chain all the time, so only epoch times make a time candidate.
      String lower = childLowers.getFirst();
      if (!Meta.of(child, cst).equals(Meta.of(lower, lst)) || (epoch(cst) && !epoch(lst))) {
        out.add(new String[] {childRel, lower});
      }
      collect(upper, childRel, childLowers, out);
    }
  }

  /** A modification time under a millisecond after the epoch, as the applier gives. */
  private static boolean epoch(Statx st) {
    return st.mtimeSec() == 0 && st.mtimeNsec() < 1_000_000;
  }

  /** The file {@code path} itself, or null when there is none. */
  private static Statx lstat(String path) throws ErrnoException {
    try {
      return FileCalls.statx(
          FileCalls.AT_FDCWD, path, FileCalls.AT_SYMLINK_NOFOLLOW, FileCalls.STATX_BASIC_STATS);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ENOENT) {
        return null;
      }
      throw e;
    }
  }

  private static boolean isOverlayXattr(String name) {
    return name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.");
  }

  /** Owner, full mode and xattrs (overlay's own excluded) of a directory. */
  private record Meta(int uid, int gid, int mode, Map<String, List<Byte>> xattrs) {
    static Meta of(String path, Statx st) throws IOException {
      Map<String, List<Byte>> x =
          ImplicitDirs.xattrs(path).entrySet().stream()
              .filter(e -> !isOverlayXattr(e.getKey()))
              .collect(Collectors.toMap(Map.Entry::getKey, e -> boxed(e.getValue())));
      return new Meta(st.uid(), st.gid(), st.mode() & 07777, x);
    }

    private static List<Byte> boxed(byte[] b) {
      List<Byte> l = new ArrayList<>(b.length);
      for (byte v : b) {
        l.add(v);
      }
      return l;
    }
  }

  /** Every xattr of {@code path} (not following a symlink), name to value. */
  static Map<String, byte[]> xattrs(String path) throws IOException {
    Map<String, byte[]> out = new java.util.LinkedHashMap<>();
    for (String n : Xattrs.llist(path)) {
      Xattrs.lget(path, n).ifPresent(v -> out.put(n, v));
    }
    return out;
  }

  /** Makes {@code to}'s owner, mode, xattrs and times those of {@code from}. */
  static void copyMetadata(String from, String to) throws IOException {
    Statx a =
        FileCalls.statx(
            FileCalls.AT_FDCWD, from, FileCalls.AT_SYMLINK_NOFOLLOW, FileCalls.STATX_BASIC_STATS);
    // chown first: it clears set-id bits that chmod then restores.
    FileCalls.fchownat(FileCalls.AT_FDCWD, to, a.uid(), a.gid(), FileCalls.AT_SYMLINK_NOFOLLOW);
    FileCalls.fchmodat(FileCalls.AT_FDCWD, to, a.mode() & 07777);
    Map<String, byte[]> want = xattrs(from);
    for (String name : Xattrs.llist(to)) {
      if (!isOverlayXattr(name) && !want.containsKey(name)) {
        Xattrs.lremove(to, name);
      }
    }
    for (Map.Entry<String, byte[]> e : want.entrySet()) {
      if (!isOverlayXattr(e.getKey())) {
        byte[] have = Xattrs.lget(to, e.getKey()).orElse(null);
        if (have == null || !Arrays.equals(have, e.getValue())) {
          Xattrs.lset(to, e.getKey(), e.getValue(), 0);
        }
      }
    }
    FileCalls.utimensat(
        FileCalls.AT_FDCWD,
        to,
        a.atimeSec(),
        a.atimeNsec(),
        a.mtimeSec(),
        a.mtimeNsec(),
        FileCalls.AT_SYMLINK_NOFOLLOW);
  }
}
