package dev.layerd.snapshots;

import static dev.layerd.linux.FileCalls.AT_SYMLINK_NOFOLLOW;
import static dev.layerd.linux.FileCalls.O_CLOEXEC;
import static dev.layerd.linux.FileCalls.O_CREAT;
import static dev.layerd.linux.FileCalls.O_DIRECTORY;
import static dev.layerd.linux.FileCalls.O_EXCL;
import static dev.layerd.linux.FileCalls.O_NOFOLLOW;
import static dev.layerd.linux.FileCalls.O_RDONLY;
import static dev.layerd.linux.FileCalls.O_WRONLY;

import dev.layerd.linux.DirEntry;
import dev.layerd.linux.ErrnoException;
import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Statx;
import dev.layerd.linux.Xattrs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Copies a layer tree exactly: every file type (device nodes, fifos and sockets included),
 * permission bits, owners, times to the nanosecond, extended attributes of every namespace,
 * hardlinks as hardlinks, and holes in sparse files as holes (SEEK_DATA / SEEK_HOLE). Symlinks
 * are copied, never followed; the walk holds directory descriptors, so a path changed under it
 * cannot lead it elsewhere.
 */
final class TreeCopier {
  private static final int SEEK_DATA = 3;
  private static final int SEEK_HOLE = 4;
  private static final int ENXIO = 6;
  private static final int BUFFER = 1 << 20;
  private static final int DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

  private final int dstRoot;
  private final Map<String, String> links = new HashMap<>();
  private final byte[] buf = new byte[BUFFER];

  private TreeCopier(int dstRoot) {
    this.dstRoot = dstRoot;
  }

  /** Copies the contents and metadata of {@code src} into the existing empty dir {@code dst}. */
  static void copy(Path src, Path dst) throws IOException {
    int s = FileCalls.openat(FileCalls.AT_FDCWD, src.toString(), DIR_FLAGS, 0);
    try {
      int d = FileCalls.openat(FileCalls.AT_FDCWD, dst.toString(), DIR_FLAGS, 0);
      try {
        TreeCopier c = new TreeCopier(d);
        c.copyDir(s, d, "");
        c.copyMetadata(FileCalls.fstatx(s, src.toString()), s, d, src.toString());
      } finally {
        FileCalls.close(d, dst.toString());
      }
    } finally {
      FileCalls.close(s, src.toString());
    }
  }

  private void copyDir(int src, int dst, String rel) throws IOException {
    List<DirEntry> entries = FileCalls.listdir(src, ".");
    for (DirEntry e : entries) {
      String name = e.name();
      String path = rel.isEmpty() ? name : rel + "/" + name;
      Statx st = FileCalls.statx(src, name, AT_SYMLINK_NOFOLLOW, FileCalls.STATX_BASIC_STATS);
      if (st.isDirectory()) {
        FileCalls.mkdirat(dst, name, 0700);
        int s = FileCalls.openat(src, name, DIR_FLAGS, 0);
        try {
          int d = FileCalls.openat(dst, name, DIR_FLAGS, 0);
          try {
            copyDir(s, d, path);
            copyMetadata(st, s, d, path);
          } finally {
            FileCalls.close(d, path);
          }
        } finally {
          FileCalls.close(s, path);
        }
        continue;
      }
      if (st.nlink() > 1) {
        String key = st.devMajor() + ":" + st.devMinor() + ":" + st.ino();
        String first = links.putIfAbsent(key, path);
        if (first != null) {
          FileCalls.linkat(dstRoot, first, dst, name, 0);
          continue;
        }
      }
      if (st.isRegular()) {
        copyFile(src, dst, name, path, st);
      } else if (st.isSymlink()) {
        FileCalls.symlinkat(FileCalls.readlinkat(src, name), dst, name);
        copyPathMetadata(st, src, dst, name);
      } else {
        // Character and block devices, fifos, sockets: mknod makes them all.
        FileCalls.mknodat(dst, name, st.mode(),
            FileCalls.makedev(st.rdevMajor(), st.rdevMinor()));
        copyPathMetadata(st, src, dst, name);
      }
    }
  }

  private void copyFile(int srcDir, int dstDir, String name, String path, Statx st)
      throws IOException {
    int in = FileCalls.openat(srcDir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
    try {
      int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
      int out = FileCalls.openat(dstDir, name, flags, 0600);
      try {
        copyData(in, out, st.size(), path);
        copyMetadata(st, in, out, path);
      } finally {
        FileCalls.close(out, path);
      }
    } finally {
      FileCalls.close(in, path);
    }
  }

  /** Copies only the data regions of {@code in}; holes are left as holes by ftruncate. */
  private void copyData(int in, int out, long size, String path) throws IOException {
    long pos = 0;
    while (pos < size) {
      long data;
      try {
        data = FileCalls.lseek(in, pos, SEEK_DATA, path);
      } catch (ErrnoException e) {
        if (e.errno() == ENXIO) {
          break; // only a hole remains
        }
        throw e;
      }
      long hole = FileCalls.lseek(in, data, SEEK_HOLE, path);
      FileCalls.lseek(in, data, FileCalls.SEEK_SET, path);
      FileCalls.lseek(out, data, FileCalls.SEEK_SET, path);
      for (long left = hole - data; left > 0; ) {
        int n = FileCalls.read(in, buf, 0, (int) Math.min(buf.length, left), path);
        if (n == 0) {
          break; // the file shrank while copying; ftruncate below keeps the size stated
        }
        FileCalls.write(out, buf, 0, n, path);
        left -= n;
      }
      pos = hole;
    }
    FileCalls.ftruncate(out, size, path);
  }

  /** Owner, mode, xattrs, then times (last, since the others change ctime only). */
  private void copyMetadata(Statx st, int from, int to, String path) throws IOException {
    // chown first: it clears set-user-ID bits and file capabilities.
    FileCalls.fchown(to, st.uid(), st.gid(), path);
    FileCalls.fchmod(to, st.permissions(), path);
    for (String x : Xattrs.flist(from, path)) {
      Optional<byte[]> v = Xattrs.fget(from, x, path);
      if (v.isPresent()) {
        Xattrs.fset(to, x, v.get(), 0, path);
      }
    }
    FileCalls.futimens(to, st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec(), path);
  }

  private void copyPathMetadata(Statx st, int srcDir, int dstDir, String name)
      throws IOException {
    FileCalls.fchownat(dstDir, name, st.uid(), st.gid(), AT_SYMLINK_NOFOLLOW);
    if (!st.isSymlink()) {
      FileCalls.fchmodat(dstDir, name, st.permissions());
    }
    String from = Xattrs.at(srcDir, name);
    String to = Xattrs.at(dstDir, name);
    for (String x : Xattrs.llist(from)) {
      Optional<byte[]> v = Xattrs.lget(from, x);
      if (v.isPresent()) {
        Xattrs.lset(to, x, v.get(), 0);
      }
    }
    FileCalls.utimensat(dstDir, name, st.atimeSec(), st.atimeNsec(), st.mtimeSec(),
        st.mtimeNsec(), AT_SYMLINK_NOFOLLOW);
  }
}
