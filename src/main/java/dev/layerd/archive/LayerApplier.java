package dev.layerd.archive;

import dev.layerd.linux.DirEntry;
import dev.layerd.linux.Errno;
import dev.layerd.linux.ErrnoException;
import dev.layerd.linux.FileCalls;
import dev.layerd.linux.MountCalls;
import dev.layerd.linux.Names;
import dev.layerd.linux.Statx;
import dev.layerd.linux.Xattrs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveStructSparse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies tar entries, one at a time and in stream order, under one root. Every path is resolved
 * by the kernel inside the root (openat2 RESOLVE_IN_ROOT on the parent directory, then *at calls
 * on the last component with no symlink following), so nothing a layer says reaches outside.
 * Directory modes and times are set at {@link #finish()}, after their contents. Not thread-safe.
 */
final class LayerApplier implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LayerApplier.class);
  private static final String OPAQUE = ".wh..wh..opq";
  private static final String WH = ".wh.";
  private static final int MAX_PATH = 4095;
  private static final int STATX = FileCalls.STATX_BASIC_STATS;
  private static final int NOFOLLOW = FileCalls.AT_SYMLINK_NOFOLLOW;
  /** Small files are finished on a second thread ({@link WriteBehind}); false for comparison. */
  private static final boolean WRITE_BEHIND =
      Boolean.parseBoolean(System.getProperty("layerd.apply.writeBehind", "true"));

  private final ArchiveOptions options;
  private final String layer;
  private final boolean overlay;
  private final int rootFd;
  private final DirectoryCache dirs;
  private final ParentLayers parents;
  private final byte[] buf = new byte[1 << 20];

  /** DELETE mode: every path this layer put in the root, with its ancestors (for opaque). */
  private final Set<String> layerPaths = new HashSet<>();

  /** OVERLAY mode: the whiteouts this layer made, by directory (an opaque one drops them). */
  private final Map<String, List<String>> whiteouts = new HashMap<>();

  private final Set<String> opaqueDirs = new HashSet<>();
  private final Map<String, Metadata> deferred = new LinkedHashMap<>();
  /** Directories made for an entry's sake that no entry listed (so far). */
  private final Set<String> implicit = new HashSet<>();
  private final Map<String, Statx> keptTimes = new LinkedHashMap<>();
  private String entry = "(none)";
  private WriteBehind writeBehind;
  private int skippedXattrs;
  private String firstSkippedXattr;
  private int skippedDevices;
  private String firstSkippedDevice;

  LayerApplier(java.nio.file.Path root, ArchiveOptions options) throws IOException {
    this.options = options;
    this.layer = options.layerName();
    this.overlay = options.whiteoutMode() == WhiteoutMode.OVERLAY;
    this.rootFd =
        FileCalls.openat(
            FileCalls.AT_FDCWD,
            root.toString(),
            FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC,
            0);
    this.dirs = new DirectoryCache(rootFd);
    try {
      this.parents = new ParentLayers(options.parents());
    } catch (ErrnoException e) {
      dirs.close();
      FileCalls.close(rootFd, root.toString());
      throw e;
    }
  }

  /** Applies one entry; {@code data} is positioned at its content. */
  void apply(TarArchiveEntry e, InputStream data, TarHeaderGuard headers) throws IOException {
    entry = e.getName();
    dirs.trim();
    if (e.isGlobalPaxHeader()) {
      return;
    }
    String path = clean(e.getName());
    if (Names.encode(path).length > MAX_PATH) {
      throw reject("name longer than " + MAX_PATH + " bytes");
    }
    int slash = path.lastIndexOf('/');
    String parent = slash < 0 ? "" : path.substring(0, slash);
    String base = path.substring(slash + 1);
    try {
      if (base.startsWith(WH)) {
        whiteout(parent, base, e);
        return;
      }
      Metadata md = metadata(e, headers);
      if (path.isEmpty()) {
        if (!e.isDirectory()) {
          throw reject("an entry naming the root must be a directory");
        }
        directoryMetadata(rootFd, ".", md, true);
        deferred.put("", md);
        return;
      }
      if (!overlay) {
        addLayerPath(path);
      }
      if (e.isLink()) {
        hardlink(parent, base, e, false);
        return;
      }
      int pfd = parentDir(parent);
      if (e.isDirectory()) {
        directory(pfd, path, base, md);
      } else if (e.isSymbolicLink()) {
        symlink(pfd, base, e.getLinkName(), md);
      } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
        int type =
            e.isCharacterDevice()
                ? FileCalls.S_IFCHR
                : e.isBlockDevice() ? FileCalls.S_IFBLK : FileCalls.S_IFIFO;
        node(pfd, base, type, FileCalls.makedev(e.getDevMajor(), e.getDevMinor()), md);
      } else if (isRegular(e)) {
        regular(pfd, base, e, data, md);
      } else {
        throw reject("unsupported entry type '" + (char) e.getLinkFlag() + "'");
      }
    } catch (ErrnoException x) {
      throw new IOException(
          "layer " + layer + ", entry " + entry + ": " + x.getMessage(), x);
    }
  }

  private static boolean isRegular(TarArchiveEntry e) {
    byte f = e.getLinkFlag();
    return f == '0' || f == 0 || f == '7' || f == 'S' || e.isSparse();
  }

  /** The directories this layer needed but did not list; complete after {@link #finish}. */
  Set<String> implicitDirs() {
    return implicit;
  }

  /** Sets the deferred directory modes and times, then syncs when asked. */
  void finish() throws IOException {
    if (writeBehind != null) {
      writeBehind.drain(); // directory times and a sync come after every file's content
    }
    entry = "(directory metadata)";
    List<Map.Entry<String, Metadata>> list = new ArrayList<>(deferred.entrySet());
    try {
      for (int i = list.size() - 1; i >= 0; i--) {
        dirs.trim(); // bounded descriptors, however many directories the layer made
        String path = list.get(i).getKey();
        Metadata md = list.get(i).getValue();
        entry = path.isEmpty() ? "." : path;
        int slash = path.lastIndexOf('/');
        int pfd;
        String base;
        if (path.isEmpty()) {
          pfd = rootFd;
          base = ".";
        } else {
          try {
            pfd = dirs.open(slash < 0 ? "" : path.substring(0, slash));
            base = path.substring(slash + 1);
            if (!FileCalls.statx(pfd, base, NOFOLLOW, STATX).isDirectory()) {
              continue;
            }
          } catch (ErrnoException x) {
            if (x.errno() == Errno.ENOENT || x.errno() == Errno.ENOTDIR) {
              continue; // removed by a later entry
            }
            throw x;
          }
        }
        FileCalls.fchmodat(pfd, base, md.mode());
        if (md.hasTimes()) {
          FileCalls.utimensat(
              pfd, base, md.atimeSec(), md.atimeNsec(), md.mtimeSec(), md.mtimeNsec(), NOFOLLOW);
        }
      }
      restoreKeptTimes();
      if (options.sync()) {
        MountCalls.syncfs(rootFd, layer);
      }
    } catch (ErrnoException x) {
      throw new IOException("layer " + layer + ", " + entry + ": " + x.getMessage(), x);
    }
    if (skippedDevices > 0) {
      LOG.warn(
          "layer {}: {} device nodes left out, not permitted without privilege (first: {})",
          layer, skippedDevices, firstSkippedDevice);
    }
    if (skippedXattrs > 0) {
      LOG.warn(
          "layer {}: {} xattrs could not be set (first: {})", layer, skippedXattrs,
          firstSkippedXattr);
    }
  }

  /** Puts back the times of the directories this layer wrote into without listing them. */
  private void restoreKeptTimes() throws ErrnoException {
    for (Map.Entry<String, Statx> e : keptTimes.entrySet()) {
      String path = e.getKey();
      if (deferred.containsKey(path)) {
        continue; // listed after all: the entry's own times were set
      }
      entry = path.isEmpty() ? "." : path;
      Statx t = e.getValue();
      try {
        int fd = dirs.open(path);
        if (!FileCalls.statx(fd, ".", NOFOLLOW, STATX).isDirectory()) {
          continue;
        }
        FileCalls.utimensat(
            fd, ".", t.atimeSec(), t.atimeNsec(), t.mtimeSec(), t.mtimeNsec(), NOFOLLOW);
      } catch (ErrnoException x) {
        if (x.errno() != Errno.ENOENT && x.errno() != Errno.ENOTDIR) {
          throw x;
        }
        // removed or replaced by a later entry: nothing to keep
      }
    }
  }

  // ---- entry kinds

  private void directory(int pfd, String path, String base, Metadata md)
      throws IOException {
    boolean existed = false;
    boolean wasWhiteout = false;
    try {
      FileCalls.mkdirat(pfd, base, 0700);
    } catch (ErrnoException x) {
      if (x.errno() != Errno.EEXIST) {
        throw x;
      }
      Statx st = FileCalls.statx(pfd, base, NOFOLLOW, STATX);
      if (st.isDirectory()) {
        existed = true;
      } else {
        wasWhiteout = st.isWhiteout();
        removeAll(pfd, base);
        FileCalls.mkdirat(pfd, base, 0700);
      }
    }
    directoryMetadata(pfd, base, md, existed);
    implicit.remove(path);
    if (overlay && wasWhiteout) {
      // deleted and recreated in one layer: the new directory hides the lower one
      setOpaque(Xattrs.at(pfd, base));
    }
    deferred.put(path, md);
  }

  /** Owner and xattrs now; mode and times at the end. {@code exact}: drop xattrs md lacks. */
  private void directoryMetadata(int pfd, String base, Metadata md, boolean exact)
      throws IOException {
    if (!options.noSameOwner()) {
      FileCalls.fchownat(pfd, base, md.uid(), md.gid(), NOFOLLOW);
    }
    String at = Xattrs.at(pfd, base);
    if (exact) {
      for (String n : Xattrs.llist(at)) {
        if (!Overlay.isPrivate(n) && !md.xattrs().containsKey(n)) {
          Xattrs.lremove(at, n);
        }
      }
    }
    for (Map.Entry<String, byte[]> x : md.xattrs().entrySet()) {
      setXattr(at, -1, x.getKey(), x.getValue());
    }
  }

  private void regular(int pfd, String base, TarArchiveEntry e, InputStream in, Metadata md)
      throws IOException {
    int flags =
        FileCalls.O_WRONLY | FileCalls.O_CREAT | FileCalls.O_EXCL | FileCalls.O_NOFOLLOW
            | FileCalls.O_CLOEXEC;
    int fd;
    try {
      fd = FileCalls.openat(pfd, base, flags, 0600);
    } catch (ErrnoException x) {
      if (x.errno() != Errno.EEXIST) {
        throw x;
      }
      removeAll(pfd, base);
      fd = FileCalls.openat(pfd, base, flags, 0600);
    }
    if (WRITE_BEHIND && !e.isSparse() && md.xattrs().isEmpty()
        && e.getSize() <= WriteBehind.MAX_FILE) {
      byte[] data;
      try {
        data = readContent(in, (int) e.getSize());
      } catch (IOException x) {
        try {
          FileCalls.close(fd, entry);
        } catch (ErrnoException ignored) {
          // the read failure is what the caller needs to see
        }
        throw x;
      }
      if (writeBehind == null) {
        writeBehind = new WriteBehind(layer, !options.noSameOwner());
      }
      writeBehind.submit(fd, data, md, entry);
      return;
    }
    if (writeBehind != null) {
      writeBehind.flush(); // the files held back are written while this one streams
    }
    boolean ok = false;
    try {
      if (e.isSparse()) {
        writeSparse(fd, e, in);
      } else {
        copy(in, fd, e.getSize());
      }
      ownModeXattrs(fd, md);
      FileCalls.futimens(fd, md.atimeSec(), md.atimeNsec(), md.mtimeSec(), md.mtimeNsec(), entry);
      ok = true;
    } finally {
      try {
        FileCalls.close(fd, entry);
      } catch (ErrnoException x) {
        if (ok) {
          throw x;
        }
      }
    }
  }

  /** chown first: it clears setuid, setgid and security.capability; then mode, then xattrs. */
  private void ownModeXattrs(int fd, Metadata md) throws IOException {
    if (!options.noSameOwner()) {
      FileCalls.fchown(fd, md.uid(), md.gid(), entry);
    }
    FileCalls.fchmod(fd, md.mode(), entry);
    for (Map.Entry<String, byte[]> x : md.xattrs().entrySet()) {
      setXattr(null, fd, x.getKey(), x.getValue());
    }
  }

  // TODO: Commons Compress 1.28 rejects sparse maps with offsets past 2 GiB (PAX) or 8 GiB
  // (GNU); parse the map in TarHeaderGuard instead once such layers show up.
  private void writeSparse(int fd, TarArchiveEntry e, InputStream in) throws IOException {
    long pos = 0;
    for (TarArchiveStructSparse s : e.getOrderedSparseHeaders()) {
      if (s.getNumbytes() == 0) {
        continue;
      }
      if (s.getOffset() < pos) {
        throw reject("sparse map goes backwards");
      }
      skipFully(in, s.getOffset() - pos);
      FileCalls.lseek(fd, s.getOffset(), FileCalls.SEEK_SET, entry);
      copy(in, fd, s.getNumbytes());
      pos = s.getOffset() + s.getNumbytes();
    }
    FileCalls.ftruncate(fd, e.getRealSize(), entry);
  }

  private void skipFully(InputStream in, long n) throws IOException {
    long left = n;
    try {
      while (left > 0) {
        long s = in.skip(left);
        if (s <= 0) {
          if (in.read() < 0) {
            throw reject("stream ends inside the entry");
          }
          s = 1;
        }
        left -= s;
      }
    } catch (ArchiveException x) {
      throw x;
    } catch (IOException x) {
      if (x instanceof ErrnoException) {
        throw x;
      }
      throw reject("corrupt or truncated stream: " + x.getMessage(), x);
    }
  }

  private byte[] readContent(InputStream in, int size) throws IOException {
    byte[] data = new byte[size];
    for (int off = 0; off < size; ) {
      off += readSome(in, data, off, size - off, size - off);
    }
    return data;
  }

  private void copy(InputStream in, int fd, long size) throws IOException {
    for (long left = size; left > 0; ) {
      int n = readSome(in, buf, 0, (int) Math.min(buf.length, left), left);
      FileCalls.write(fd, buf, 0, n, entry);
      left -= n;
    }
  }

  /** Reads some of the entry's {@code left} bytes; a stream that fails or ends is the layer's. */
  private int readSome(InputStream in, byte[] b, int off, int len, long left) throws IOException {
    int n;
    try {
      n = in.read(b, off, len);
    } catch (IOException x) {
      throw reject("corrupt or truncated stream: " + x.getMessage(), x);
    }
    if (n < 0) {
      throw reject("stream ends " + left + " bytes before the end of the entry");
    }
    return n;
  }

  private void symlink(int pfd, String base, String target, Metadata md) throws IOException {
    if (target.isEmpty()) {
      throw reject("symlink with an empty target");
    }
    try {
      FileCalls.symlinkat(target, pfd, base);
    } catch (ErrnoException x) {
      if (x.errno() != Errno.EEXIST) {
        throw x;
      }
      removeAll(pfd, base);
      FileCalls.symlinkat(target, pfd, base);
    }
    if (!options.noSameOwner()) {
      FileCalls.fchownat(pfd, base, md.uid(), md.gid(), NOFOLLOW);
    }
    String at = Xattrs.at(pfd, base);
    for (Map.Entry<String, byte[]> x : md.xattrs().entrySet()) {
      setXattr(at, -1, x.getKey(), x.getValue());
    }
    FileCalls.utimensat(
        pfd, base, md.atimeSec(), md.atimeNsec(), md.mtimeSec(), md.mtimeNsec(), NOFOLLOW);
  }

  private void node(int pfd, String base, int type, long dev, Metadata md) throws IOException {
    try {
      mknod(pfd, base, type, dev);
    } catch (ErrnoException x) {
      if (!skipsDevice(x.errno(), type, privileged())) {
        throw x;
      }
      // rootless, as containerd does: a device the caller may not make is left out
      if (skippedDevices++ == 0) {
        firstSkippedDevice = entry;
      }
      return;
    }
    if (!options.noSameOwner()) {
      FileCalls.fchownat(pfd, base, md.uid(), md.gid(), NOFOLLOW);
    }
    FileCalls.fchmodat(pfd, base, md.mode());
    String at = Xattrs.at(pfd, base);
    for (Map.Entry<String, byte[]> x : md.xattrs().entrySet()) {
      setXattr(at, -1, x.getKey(), x.getValue());
    }
    FileCalls.utimensat(
        pfd, base, md.atimeSec(), md.atimeNsec(), md.mtimeSec(), md.mtimeNsec(), NOFOLLOW);
  }

  private void mknod(int pfd, String base, int type, long dev) throws ErrnoException {
    try {
      FileCalls.mknodat(pfd, base, type | 0600, dev);
    } catch (ErrnoException x) {
      if (x.errno() != Errno.EEXIST) {
        throw x;
      }
      removeAll(pfd, base);
      FileCalls.mknodat(pfd, base, type | 0600, dev);
    }
  }

  /** Root that keeps owners may make devices; anyone else is refused them by the kernel. */
  private boolean privileged() {
    return !options.noSameOwner() && FileCalls.geteuid() == 0;
  }

  /**
   * Whether a failed mknod of {@code type} is skipped rather than fatal: EPERM for a character
   * or block device when not {@code privileged}. FIFOs and privileged callers always fail.
   */
  static boolean skipsDevice(int errno, int type, boolean privileged) {
    return errno == Errno.EPERM
        && !privileged
        && (type == FileCalls.S_IFCHR || type == FileCalls.S_IFBLK);
  }

  private void hardlink(String parent, String base, TarArchiveEntry e, boolean retried)
      throws IOException {
    String target = clean(e.getLinkName());
    if (target.isEmpty()) {
      throw reject("hardlink to the root directory");
    }
    int ts = target.lastIndexOf('/');
    String tparent = ts < 0 ? "" : target.substring(0, ts);
    String tbase = target.substring(ts + 1);
    int tpfd;
    Statx tst;
    try {
      tpfd = dirs.open(tparent);
      tst = FileCalls.statx(tpfd, tbase, NOFOLLOW, STATX);
    } catch (ErrnoException x) {
      if (x.errno() != Errno.ENOENT && x.errno() != Errno.ENOTDIR) {
        throw x;
      }
      tst = null;
      tpfd = -1;
    }
    if (tst == null || (overlay && tst.isWhiteout())) {
      if (!overlay) {
        throw reject("hardlink target " + e.getLinkName() + " does not exist in the root");
      }
      if (retried) {
        throw new LinkTargetMissingException(layer, entry, e.getLinkName());
      }
      copyUp(target, tparent, tbase, e.getLinkName());
      hardlink(parent, base, e, true);
      return;
    }
    if (tst.isDirectory()) {
      throw reject("hardlink to directory " + e.getLinkName());
    }
    int pfd = parentDir(parent);
    try {
      FileCalls.linkat(tpfd, tbase, pfd, base, 0);
    } catch (ErrnoException x) {
      if (x.errno() != Errno.EEXIST) {
        throw x;
      }
      Statx cur = FileCalls.statx(pfd, base, NOFOLLOW, STATX);
      if (cur.ino() == tst.ino() && cur.devMajor() == tst.devMajor()
          && cur.devMinor() == tst.devMinor()) {
        return; // already that file
      }
      removeAll(pfd, base);
      // the removal may have retired cached descriptors: resolve both ends again
      int tpfd2 = dirs.open(tparent);
      FileCalls.linkat(tpfd2, tbase, dirs.open(parent), base, 0);
    }
  }

  /**
   * Overlay mode: brings the file the parent layers show at the link's target into this root, so
   * that a hardlink can name it.
   */
  private void copyUp(String target, String tparent, String tbase, String linkName)
      throws IOException {
    Optional<ParentLayers.Found> found = parents.find(target);
    if (found.isEmpty()) {
      throw new LinkTargetMissingException(layer, entry, linkName);
    }
    try (ParentLayers.Found f = found.get()) {
      Statx st = f.stat();
      Metadata md = ParentLayers.metadata(f);
      int pfd = parentDir(tparent);
      if (st.isRegular()) {
        int src =
            FileCalls.openat(
                f.dirFd(), f.name(),
                FileCalls.O_RDONLY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC, 0);
        try {
          int dst =
              FileCalls.openat(
                  pfd, tbase,
                  FileCalls.O_WRONLY | FileCalls.O_CREAT | FileCalls.O_EXCL | FileCalls.O_NOFOLLOW
                      | FileCalls.O_CLOEXEC,
                  0600);
          try {
            for (int n; (n = FileCalls.read(src, buf, 0, buf.length, linkName)) > 0; ) {
              FileCalls.write(dst, buf, 0, n, target);
            }
            ownModeXattrs(dst, md);
            FileCalls.futimens(
                dst, md.atimeSec(), md.atimeNsec(), md.mtimeSec(), md.mtimeNsec(), target);
          } finally {
            FileCalls.close(dst, target);
          }
        } finally {
          FileCalls.close(src, linkName);
        }
      } else if (st.isSymlink()) {
        symlink(pfd, tbase, FileCalls.readlinkat(f.dirFd(), f.name()), md);
      } else if (!st.isDirectory()) {
        node(pfd, tbase, st.type(), FileCalls.makedev(st.rdevMajor(), st.rdevMinor()), md);
      } else {
        throw reject("hardlink to directory " + linkName);
      }
    }
  }

  // ---- whiteouts

  private void whiteout(String parent, String base, TarArchiveEntry e) throws IOException {
    if (base.equals(OPAQUE)) {
      opaque(parent);
      return;
    }
    if (base.startsWith(WH + WH)) {
      throw reject("reserved whiteout name " + base);
    }
    String name = base.substring(WH.length());
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw reject("whiteout names no file");
    }
    String path = parent.isEmpty() ? name : parent + "/" + name;
    if (!overlay) {
      int pfd;
      try {
        pfd = dirs.open(parent);
      } catch (ErrnoException x) {
        if (x.errno() == Errno.ENOENT || x.errno() == Errno.ENOTDIR) {
          return; // nothing there to delete
        }
        throw x;
      }
      removeAll(pfd, name);
      return;
    }
    if (underOpaque(parent)) {
      // Nothing from below shows under an opaque directory of this layer, so the whiteout can
      // only remove this layer's own entry; a device there would list as a name with no file.
      try {
        removeAll(dirs.open(parent), name);
      } catch (ErrnoException x) {
        if (x.errno() != Errno.ENOENT && x.errno() != Errno.ENOTDIR) {
          throw x;
        }
      }
      deferred.remove(path);
      return;
    }
    int pfd = parentDir(parent);
    long dev = FileCalls.makedev(0, 0);
    try {
      FileCalls.mknodat(pfd, name, FileCalls.S_IFCHR, dev);
    } catch (ErrnoException x) {
      if (x.errno() != Errno.EEXIST) {
        throw x;
      }
      removeAll(pfd, name);
      FileCalls.mknodat(pfd, name, FileCalls.S_IFCHR, dev);
    }
    if (!options.noSameOwner()) {
      FileCalls.fchownat(
          pfd, name, (int) e.getLongUserId(), (int) e.getLongGroupId(), NOFOLLOW);
    }
    deferred.remove(path);
    whiteouts.computeIfAbsent(parent, k -> new ArrayList<>()).add(name);
  }

  private void opaque(String dir) throws IOException {
    int dfd = parentDir(dir);
    if (!overlay) {
      addLayerPath(dir);
      prune(dir, dfd);
      return;
    }
    setOpaque(Xattrs.at(dfd, "."));
    opaqueDirs.add(dir);
    // The layer's whiteouts in and below the directory, made before the marker came, go.
    List<String> below = new ArrayList<>();
    for (String d : whiteouts.keySet()) {
      if (dir.isEmpty() || d.equals(dir) || d.startsWith(dir + "/")) {
        below.add(d);
      }
    }
    for (String d : below) {
      for (String n : whiteouts.remove(d)) {
        try {
          int wfd = dirs.open(d);
          if (FileCalls.statx(wfd, n, NOFOLLOW, STATX).isWhiteout()) {
            FileCalls.unlinkat(wfd, n, 0);
          }
        } catch (ErrnoException x) {
          if (x.errno() != Errno.ENOENT && x.errno() != Errno.ENOTDIR) {
            throw x; // gone already, with its directory or replaced by a later entry: fine
          }
        }
      }
    }
  }

  /** True when {@code dir} is, or lies below, a directory this layer made opaque. */
  private boolean underOpaque(String dir) {
    for (String d = dir; ; d = d.substring(0, Math.max(d.lastIndexOf('/'), 0))) {
      if (opaqueDirs.contains(d)) {
        return true;
      }
      if (d.isEmpty()) {
        return false;
      }
    }
  }

  private void setOpaque(String at) throws ErrnoException {
    String name = (options.userXattr() ? Overlay.USER : Overlay.TRUSTED) + "opaque";
    Xattrs.lset(at, name, new byte[] {'y'}, 0);
  }

  /** DELETE mode: removes what the directory holds that this layer did not put there. */
  private void prune(String dir, int dfd) throws IOException {
    for (DirEntry c : FileCalls.listdir(dfd, ".")) {
      String p = dir.isEmpty() ? c.name() : dir + "/" + c.name();
      if (!layerPaths.contains(p)) {
        removeAll(dfd, c.name());
        continue;
      }
      boolean isDir =
          c.type() == FileCalls.DT_DIR
              || (c.type() == FileCalls.DT_UNKNOWN
                  && FileCalls.statx(dfd, c.name(), NOFOLLOW, STATX).isDirectory());
      if (isDir) {
        int cfd =
            FileCalls.openat(
                dfd, c.name(),
                FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_NOFOLLOW
                    | FileCalls.O_CLOEXEC,
                0);
        try {
          prune(p, cfd);
        } finally {
          FileCalls.close(cfd, p);
        }
      }
    }
  }

  private void addLayerPath(String path) {
    String p = path;
    while (layerPaths.add(p)) {
      int s = p.lastIndexOf('/');
      if (s < 0) {
        return;
      }
      p = p.substring(0, s);
    }
  }

  // ---- directories and removal

  /** The directory {@code path}, made (with its missing ancestors) if needed. */
  private int parentDir(String path) throws IOException {
    int fd = dirs.get(path);
    if (fd >= 0) {
      return keepTimes(path, fd); // cached by a lookup that did not record it, perhaps
    }
    try {
      return keepTimes(path, dirs.open(path));
    } catch (ErrnoException x) {
      if (x.errno() == Errno.ENOTDIR) {
        throw reject("parent " + path + " is not a directory");
      }
      if (x.errno() != Errno.ENOENT) {
        throw x;
      }
    }
    int cur = dirs.get("");
    String prefix = "";
    for (String c : path.split("/")) {
      String next = prefix.isEmpty() ? c : prefix + "/" + c;
      int nfd;
      try {
        nfd = keepTimes(next, dirs.open(next));
      } catch (ErrnoException x) {
        if (x.errno() == Errno.ENOTDIR) {
          throw reject("parent " + next + " is not a directory");
        }
        if (x.errno() != Errno.ENOENT) {
          throw x;
        }
        try {
          FileCalls.mkdirat(cur, c, 0700);
        } catch (ErrnoException y) {
          if (y.errno() == Errno.EEXIST) {
            throw reject("parent " + next + " is a symlink to a missing directory");
          }
          throw y;
        }
        Metadata md = implicitMetadata(next);
        directoryMetadata(cur, c, md, false);
        deferred.put(next, md);
        implicit.add(next);
        if (!overlay) {
          addLayerPath(next);
        }
        nfd = dirs.open(next);
      }
      cur = nfd;
      prefix = next;
    }
    return cur;
  }

  /**
   * Remembers the times of a directory that was there before this layer, so that adding or
   * removing entries in it does not change them: a directory the layer does not list keeps its
   * times, as it does in a parallel unpack, where the layer never sees it.
   */
  private int keepTimes(String path, int fd) throws ErrnoException {
    if (!deferred.containsKey(path) && !keptTimes.containsKey(path)) {
      keptTimes.put(path, FileCalls.statx(fd, ".", NOFOLLOW, STATX));
    }
    return fd;
  }

  private Metadata implicitMetadata(String path) throws ErrnoException {
    if (!parents.isEmpty()) {
      Optional<ParentLayers.Found> f = parents.find(path);
      if (f.isPresent()) {
        try (ParentLayers.Found found = f.get()) {
          if (found.stat().isDirectory()) {
            return ParentLayers.metadata(found);
          }
        }
      }
    }
    return Metadata.implicitDirectory(0, 0);
  }

  /** Removes {@code name} in {@code dfd}, recursively; a missing one is fine. */
  private void removeAll(int dfd, String name) throws ErrnoException {
    Statx st;
    try {
      st = FileCalls.statx(dfd, name, NOFOLLOW, STATX);
    } catch (ErrnoException x) {
      if (x.errno() == Errno.ENOENT) {
        return;
      }
      throw x;
    }
    if (!st.isDirectory()) {
      FileCalls.unlinkat(dfd, name, 0);
      if (st.isSymlink()) {
        dirs.clear();
      }
      return;
    }
    dirs.clear();
    int cfd =
        FileCalls.openat(
            dfd, name,
            FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC,
            0);
    try {
      for (DirEntry c : FileCalls.listdir(cfd, ".")) {
        if (c.type() == FileCalls.DT_DIR || c.type() == FileCalls.DT_UNKNOWN) {
          removeAll(cfd, c.name());
        } else {
          FileCalls.unlinkat(cfd, c.name(), 0);
        }
      }
    } finally {
      FileCalls.close(cfd, name);
    }
    FileCalls.unlinkat(dfd, name, FileCalls.AT_REMOVEDIR);
  }

  // ---- small utilities

  private void setXattr(String at, int fd, String name, byte[] value) throws ErrnoException {
    try {
      if (fd >= 0) {
        Xattrs.fset(fd, name, value, 0, entry);
      } else {
        Xattrs.lset(at, name, value, 0);
      }
    } catch (ErrnoException x) {
      // user.* is refused on symlinks and devices, trusted.* and security.* without privilege
      if (x.errno() != Errno.EPERM && x.errno() != Errno.EOPNOTSUPP) {
        throw x;
      }
      if (skippedXattrs++ == 0) {
        firstSkippedXattr = name + " on " + entry + ": " + x.getMessage();
      }
    }
  }

  private Metadata metadata(TarArchiveEntry e, TarHeaderGuard headers) {
    Map<String, byte[]> stored = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> x : headers.xattrs().entrySet()) {
      stored.put(Overlay.escape(x.getKey()), x.getValue());
    }
    // the PAX text itself: the tar reader rounds fractions to 100 ns
    Instant m = paxTime(headers.mtime(), e.getLastModifiedTime());
    Instant a = headers.atime() != null ? paxTime(headers.atime(), null) : null;
    if (a == null) {
      FileTime at = e.getLastAccessTime();
      a = at == null ? m : instant(at);
    }
    return new Metadata(
        (int) e.getLongUserId(),
        (int) e.getLongGroupId(),
        e.getMode() & 07777,
        a.getEpochSecond(),
        a.getNano(),
        m.getEpochSecond(),
        m.getNano(),
        true,
        stored);
  }

  /** "seconds[.fraction]" as an instant, or {@code fallback} when absent or malformed. */
  static Instant paxTime(String text, FileTime fallback) {
    if (text != null) {
      try {
        java.math.BigDecimal d = new java.math.BigDecimal(text.trim());
        java.math.BigDecimal sec = d.setScale(0, java.math.RoundingMode.FLOOR);
        long nanos =
            d.subtract(sec).movePointRight(9).setScale(0, java.math.RoundingMode.FLOOR)
                .longValueExact();
        return Instant.ofEpochSecond(sec.longValueExact(), nanos);
      } catch (ArithmeticException | NumberFormatException | java.time.DateTimeException x) {
        // fall back to what the tar reader made of it
      }
    }
    return fallback == null ? null : instant(fallback);
  }

  private static Instant instant(FileTime t) {
    return t == null ? Instant.EPOCH : t.toInstant();
  }

  /** The entry name as a path relative to the root: no "", ".", leading "/" or escaping "..". */
  static String clean(String name) {
    ArrayDeque<String> parts = new ArrayDeque<>();
    for (String c : name.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        parts.pollLast();
      } else {
        parts.addLast(c);
      }
    }
    return String.join("/", parts);
  }

  private ArchiveException reject(String why) {
    return new ArchiveException(layer, entry, why);
  }

  private ArchiveException reject(String why, Throwable cause) {
    return new ArchiveException(layer, entry, why, cause);
  }

  @Override
  public void close() throws IOException {
    if (writeBehind != null) {
      writeBehind.close();
    }
    parents.close();
    dirs.close();
    FileCalls.close(rootFd, "root");
  }
}
