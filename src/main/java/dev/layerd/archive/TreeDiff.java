package dev.layerd.archive;

import dev.layerd.linux.DirEntry;
import dev.layerd.linux.Errno;
import dev.layerd.linux.ErrnoException;
import dev.layerd.linux.Fd;
import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Statx;
import dev.layerd.linux.Xattrs;
import dev.layerd.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the layer that turns one directory tree into another, by walking both in sorted order.
 *
 * <p>An entry of the upper tree is written when it is new or when its type, permission bits,
 * owner, device number, size (regular files and symlinks), mtime, symlink target or xattrs
 * differ from the lower entry of the same path. Content is compared only when all that is equal
 * and both mtimes are whole seconds (perhaps truncated); otherwise equal metadata means
 * unchanged, as in containerd's double-walking differ. A path only in the lower tree becomes a
 * whiteout {@code .wh.NAME}; a deleted directory is one whiteout, with nothing below it. Parent
 * directories of every written entry are written too (with the upper tree's metadata), so that
 * an overlay of the layer shows them as the upper tree has them. Regular files that share an
 * inode in the upper tree become one file and hardlinks to it. Sockets are left out, and so are
 * the overlay's own xattrs ({@code trusted.overlay.*}).
 *
 * <p>Symlinks are never followed. Names are sorted within each directory, so the same trees
 * give the same bytes.
 */
public final class TreeDiff {
  private static final Logger LOG = LoggerFactory.getLogger(TreeDiff.class);
  private static final String WHITEOUT_PREFIX = ".wh.";
  private static final String OVERLAY_XATTRS = "trusted.overlay.";
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private final ChangeTar tar;
  private final Deque<Parent> parents = new ArrayDeque<>();
  private final Map<String, String> firstLinks = new HashMap<>();
  private int entries;

  private TreeDiff(ChangeTar tar) {
    this.tar = tar;
  }

  /**
   * Writes the uncompressed layer of the changes from {@code lower} to {@code upper} to {@code
   * out} and returns its digest (the diffID) and size. Does not close {@code out}.
   *
   * @param lower the lower tree, or null for an empty one (every upper entry is new)
   * @param sourceDateEpoch when not null, mtimes later than it are written as it
   */
  public static AppliedLayer writeDiff(
      Path lower, Path upper, OutputStream out, Instant sourceDateEpoch) throws IOException {
    long start = System.nanoTime();
    MessageDigest sha = Digest.newSha256();
    Counting counting = new Counting(new DigestOutputStream(out, sha));
    TreeDiff diff;
    try (ChangeTar tar = new ChangeTar(counting, sourceDateEpoch)) {
      diff = new TreeDiff(tar);
      diff.walk("", lower == null ? null : lower.toString(), upper.toString());
      tar.finish();
    }
    AppliedLayer layer = new AppliedLayer(Digest.fromSha256(sha), counting.count);
    LOG.debug(
        "diff of {} against {}: {} entries, {} bytes, diffID {} in {} ms",
        upper,
        lower == null ? "an empty tree" : lower,
        diff.entries,
        layer.size(),
        layer.diffId(),
        (System.nanoTime() - start) / 1_000_000);
    return layer;
  }

  /** Compares the directory {@code rel} of both trees ({@code lowerDir} null: absent). */
  private void walk(String rel, String lowerDir, String upperDir) throws IOException {
    TreeSet<String> names = new TreeSet<>();
    TreeSet<String> inLower = lowerDir == null ? new TreeSet<>() : list(lowerDir);
    TreeSet<String> inUpper = list(upperDir);
    names.addAll(inLower);
    names.addAll(inUpper);
    for (String name : names) {
      String path = rel.isEmpty() ? name : rel + "/" + name;
      if (!inUpper.contains(name)) {
        writeParents();
        int slash = path.lastIndexOf('/');
        tar.whiteout(path.substring(0, slash + 1) + WHITEOUT_PREFIX + name);
        entries++;
        continue;
      }
      String up = upperDir + "/" + name;
      Statx u = stat(up);
      if ((u.mode() & S_IFMT) == S_IFSOCK) {
        LOG.debug("diff leaves out socket {}", up);
        continue;
      }
      Map<String, byte[]> ux = xattrs(up);
      String low = inLower.contains(name) ? lowerDir + "/" + name : null;
      Statx l = low == null ? null : stat(low);
      boolean changed = l == null || changed(l, low, u, up, ux);
      if (changed) {
        writeParents();
        write(path, up, u, ux);
      }
      if (u.isDirectory()) {
        parents.addLast(new Parent(path, up, u, ux, changed));
        walk(path, l != null && l.isDirectory() ? low : null, up);
        parents.removeLast();
      }
    }
  }

  private void write(String path, String file, Statx st, Map<String, byte[]> xattrs)
      throws IOException {
    entries++;
    if (st.isRegular() && st.nlink() > 1) {
      String key = st.devMajor() + ":" + st.devMinor() + ":" + st.ino();
      String first = firstLinks.putIfAbsent(key, path);
      if (first != null) {
        tar.hardlink(path, first, st, xattrs);
        return;
      }
    }
    tar.file(path, file, st, xattrs);
  }

  /** Writes the enclosing directories not yet written, outermost first. */
  private void writeParents() throws IOException {
    for (Parent p : parents) {
      if (!p.written) {
        tar.file(p.path, p.file, p.stat, p.xattrs);
        entries++;
        p.written = true;
      }
    }
  }

  private static boolean changed(
      Statx l, String low, Statx u, String up, Map<String, byte[]> ux) throws IOException {
    if (l.mode() != u.mode() || l.uid() != u.uid() || l.gid() != u.gid()) {
      return true;
    }
    if (l.mtimeSec() != u.mtimeSec() || l.mtimeNsec() != u.mtimeNsec()) {
      return true;
    }
    boolean device = (u.mode() & S_IFMT) == 0020000 || (u.mode() & S_IFMT) == 0060000;
    if (device && (l.rdevMajor() != u.rdevMajor() || l.rdevMinor() != u.rdevMinor())) {
      return true;
    }
    if ((u.isRegular() || u.isSymlink()) && l.size() != u.size()) {
      return true;
    }
    if (u.isSymlink()
        && !FileCalls.readlinkat(FileCalls.AT_FDCWD, low)
            .equals(FileCalls.readlinkat(FileCalls.AT_FDCWD, up))) {
      return true;
    }
    Map<String, byte[]> lx = xattrs(low);
    if (!lx.keySet().equals(ux.keySet())) {
      return true;
    }
    for (Map.Entry<String, byte[]> x : ux.entrySet()) {
      if (!Arrays.equals(x.getValue(), lx.get(x.getKey()))) {
        return true;
      }
    }
    // whole-second times on both sides may be truncated ones (tar, some filesystems): then the
    // time cannot tell an edit apart, the content can
    return u.isRegular() && u.mtimeNsec() == 0 && l.mtimeNsec() == 0 && !sameContent(low, up);
  }

  private static boolean sameContent(String a, String b) throws IOException {
    try (Fd fa = FileCalls.open(a, FileCalls.O_RDONLY | FileCalls.O_NOFOLLOW);
        Fd fb = FileCalls.open(b, FileCalls.O_RDONLY | FileCalls.O_NOFOLLOW)) {
      InputStream x = fa.inputStream();
      InputStream y = fb.inputStream();
      byte[] bx = new byte[1 << 16];
      byte[] by = new byte[1 << 16];
      while (true) {
        int nx = x.readNBytes(bx, 0, bx.length);
        int ny = y.readNBytes(by, 0, by.length);
        if (nx != ny || !Arrays.equals(bx, 0, nx, by, 0, ny)) {
          return false;
        }
        if (nx < bx.length) {
          return true;
        }
      }
    }
  }

  // Paths are strings of names as the linux package decodes them (Names), not java.nio.file
  // paths, which cannot carry a name that is not valid UTF-8.
  private static TreeSet<String> list(String dir) throws ErrnoException {
    TreeSet<String> names = new TreeSet<>();
    for (DirEntry e : FileCalls.listdir(FileCalls.AT_FDCWD, dir)) {
      names.add(e.name());
    }
    return names;
  }

  private static Statx stat(String path) throws ErrnoException {
    return FileCalls.statx(
        FileCalls.AT_FDCWD, path, FileCalls.AT_SYMLINK_NOFOLLOW, FileCalls.STATX_BASIC_STATS);
  }

  /** The xattrs of {@code path} itself, by name, without the overlay's own. */
  private static Map<String, byte[]> xattrs(String path) throws ErrnoException {
    Map<String, byte[]> out = new TreeMap<>();
    java.util.List<String> names;
    try {
      names = Xattrs.llist(path);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EOPNOTSUPP) {
        return out;
      }
      throw e;
    }
    for (String name : names) {
      if (name.startsWith(OVERLAY_XATTRS)) {
        continue;
      }
      Optional<byte[]> value = Xattrs.lget(path, name);
      value.ifPresent(v -> out.put(name, v));
    }
    return out;
  }

  /** A directory on the walk's current path, written once something below it is. */
  private static final class Parent {
    final String path;
    final String file;
    final Statx stat;
    final Map<String, byte[]> xattrs;
    boolean written;

    Parent(String path, String file, Statx stat, Map<String, byte[]> xattrs, boolean written) {
      this.path = path;
      this.file = file;
      this.stat = stat;
      this.xattrs = xattrs;
      this.written = written;
    }
  }

  private static final class Counting extends java.io.FilterOutputStream {
    long count;

    Counting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
