package dev.layerd.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * File system calls the JDK lacks or hides: the {@code *at} family on directory descriptors,
 * openat2 confined to a root, device nodes, ownership, nanosecond times, statx, and raw read and
 * write on descriptors. Every failure is an {@link ErrnoException} naming the call and the path.
 * Thread-safe; strings are UTF-8 encoded.
 */
public final class FileCalls {
  public static final int AT_FDCWD = -100;
  public static final int AT_SYMLINK_NOFOLLOW = 0x100;
  public static final int AT_REMOVEDIR = 0x200;
  public static final int AT_SYMLINK_FOLLOW = 0x400;
  public static final int AT_EMPTY_PATH = 0x1000;

  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_NOCTTY = 0400;
  public static final int O_TRUNC = 01000;
  public static final int O_APPEND = 02000;
  public static final int O_NONBLOCK = 04000;
  public static final int O_DIRECTORY = 0200000;
  public static final int O_NOFOLLOW = 0400000;
  public static final int O_CLOEXEC = 02000000;
  public static final int O_PATH = 010000000;

  public static final long RESOLVE_NO_XDEV = 0x01;
  public static final long RESOLVE_NO_MAGICLINKS = 0x02;
  public static final long RESOLVE_NO_SYMLINKS = 0x04;
  public static final long RESOLVE_BENEATH = 0x08;
  public static final long RESOLVE_IN_ROOT = 0x10;

  public static final int S_IFMT = 0170000;
  public static final int S_IFSOCK = 0140000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFIFO = 0010000;

  public static final int DT_UNKNOWN = 0;
  public static final int DT_FIFO = 1;
  public static final int DT_CHR = 2;
  public static final int DT_DIR = 4;
  public static final int DT_BLK = 6;
  public static final int DT_REG = 8;
  public static final int DT_LNK = 10;
  public static final int DT_SOCK = 12;

  public static final int SEEK_SET = 0;
  public static final int SEEK_CUR = 1;
  public static final int SEEK_END = 2;

  /** utimensat: leave this time as it is. */
  public static final long UTIME_OMIT = (1L << 30) - 2;

  /** statx mask: everything in the basic stat. */
  public static final int STATX_BASIC_STATS = 0x7ff;

  private static final long SYS_OPENAT2 = 437; // same number on every architecture
  private static final int MAX_SYMLINKS = 40;

  private static final ValueLayout.OfInt I = Native.C_INT;
  private static final ValueLayout.OfLong L = Native.C_LONG;
  private static final ValueLayout P = Native.PTR;

  private static final MethodHandle OPENAT =
      Native.variadicErrnoCall("openat", FunctionDescriptor.of(I, I, P, I, I), 3);
  private static final MethodHandle SYSCALL_OPENAT2 =
      Native.variadicErrnoCall("syscall", FunctionDescriptor.of(L, L, I, P, P, L), 1);
  private static final MethodHandle MKDIRAT =
      Native.errnoCall("mkdirat", FunctionDescriptor.of(I, I, P, I));
  private static final MethodHandle MKNODAT =
      Native.errnoCall("mknodat", FunctionDescriptor.of(I, I, P, I, L));
  private static final MethodHandle SYMLINKAT =
      Native.errnoCall("symlinkat", FunctionDescriptor.of(I, P, I, P));
  private static final MethodHandle LINKAT =
      Native.errnoCall("linkat", FunctionDescriptor.of(I, I, P, I, P, I));
  private static final MethodHandle UNLINKAT =
      Native.errnoCall("unlinkat", FunctionDescriptor.of(I, I, P, I));
  private static final MethodHandle RENAMEAT =
      Native.errnoCall("renameat", FunctionDescriptor.of(I, I, P, I, P));
  private static final MethodHandle READLINKAT =
      Native.errnoCall("readlinkat", FunctionDescriptor.of(L, I, P, P, L));
  private static final MethodHandle FCHOWNAT =
      Native.errnoCall("fchownat", FunctionDescriptor.of(I, I, P, I, I, I));
  private static final MethodHandle FCHOWN =
      Native.errnoCall("fchown", FunctionDescriptor.of(I, I, I, I));
  private static final MethodHandle FCHMODAT =
      Native.errnoCall("fchmodat", FunctionDescriptor.of(I, I, P, I, I));
  private static final MethodHandle FCHMOD =
      Native.errnoCall("fchmod", FunctionDescriptor.of(I, I, I));
  private static final MethodHandle UTIMENSAT =
      Native.errnoCall("utimensat", FunctionDescriptor.of(I, I, P, P, I));
  private static final MethodHandle FUTIMENS =
      Native.errnoCall("futimens", FunctionDescriptor.of(I, I, P));
  private static final MethodHandle READ =
      Native.heapErrnoCall("read", FunctionDescriptor.of(L, I, P, L));
  private static final MethodHandle WRITE =
      Native.heapErrnoCall("write", FunctionDescriptor.of(L, I, P, L));
  private static final MethodHandle LSEEK =
      Native.errnoCall("lseek", FunctionDescriptor.of(L, I, L, I));
  private static final MethodHandle FTRUNCATE =
      Native.errnoCall("ftruncate", FunctionDescriptor.of(I, I, L));
  private static final MethodHandle CLOSE = Native.errnoCall("close", FunctionDescriptor.of(I, I));
  private static final MethodHandle FSYNC = Native.errnoCall("fsync", FunctionDescriptor.of(I, I));
  private static final MethodHandle STATX =
      Native.errnoCall("statx", FunctionDescriptor.of(I, I, P, I, I, P));
  private static final MethodHandle GETDENTS64 =
      Native.errnoCall("getdents64", FunctionDescriptor.of(L, I, P, L));

  private static final MethodHandle GETEUID = Native.call("geteuid", FunctionDescriptor.of(I));

  private static volatile boolean openat2Missing;

  private FileCalls() {}

  /** geteuid(2): this process's effective user id (0 for root, in its user namespace). */
  public static int geteuid() {
    try {
      return (int) GETEUID.invokeExact();
    } catch (Throwable t) {
      throw new IllegalStateException("geteuid", t);
    }
  }

  /** makedev(3): the device number glibc builds from major and minor. */
  public static long makedev(int major, int minor) {
    long ma = Integer.toUnsignedLong(major);
    long mi = Integer.toUnsignedLong(minor);
    return ((ma & 0xfffff000L) << 32)
        | ((ma & 0x00000fffL) << 8)
        | ((mi & 0xffffff00L) << 12)
        | (mi & 0x000000ffL);
  }

  /** openat(2); returns the new descriptor. */
  public static int openat(int dirfd, String path, int flags, int mode) throws ErrnoException {
    try {
      while (true) {
        int fd =
            (int)
                OPENAT.invokeExact(
                    Native.captureState(), dirfd, Native.path(0, path, "openat"), flags, mode);
        if (fd >= 0) {
          return fd;
        }
        if (Native.errno() != Errno.EINTR) {
          throw new ErrnoException("openat", path, Native.errno());
        }
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** open(2) of an absolute or working-directory path, as an owned handle. */
  public static Fd open(Path path, int flags) throws ErrnoException {
    return open(path.toString(), flags);
  }

  /** As {@link #open(Path, int)}, for a path held as a string of names (see {@link Names}). */
  public static Fd open(String path, int flags) throws ErrnoException {
    return Fd.of(openat(AT_FDCWD, path, flags | O_CLOEXEC, 0), path);
  }

  /** openat2(2) with {@code struct open_how {flags, mode, resolve}}; returns the descriptor. */
  public static int openat2(int dirfd, String path, long flags, long mode, long resolve)
      throws ErrnoException {
    try {
      while (true) {
        MemorySegment how = Native.struct();
        how.set(ValueLayout.JAVA_LONG, 0, flags);
        how.set(ValueLayout.JAVA_LONG, 8, mode);
        how.set(ValueLayout.JAVA_LONG, 16, resolve);
        long fd =
            (long)
                SYSCALL_OPENAT2.invokeExact(
                    Native.captureState(),
                    SYS_OPENAT2,
                    dirfd,
                    Native.path(0, path, "openat2"),
                    how.asSlice(0, 24),
                    24L);
        if (fd >= 0) {
          return (int) fd;
        }
        int errno = Native.errno();
        if (errno != Errno.EINTR && errno != Errno.EAGAIN) {
          throw new ErrnoException("openat2", path, errno);
        }
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /**
   * Opens {@code path} as if {@code rootfd} were the root directory: {@code ..} stops at the root
   * and absolute symlinks start from it, so nothing outside is ever reached. Uses openat2 with
   * RESOLVE_IN_ROOT and RESOLVE_NO_MAGICLINKS; where the kernel lacks openat2 (ENOSYS) it walks
   * the path one component at a time with O_NOFOLLOW and resolves symlinks itself, inside the
   * root. The final component is followed unless {@code flags} holds O_NOFOLLOW.
   */
  public static int openInRoot(int rootfd, String path, int flags, int mode)
      throws ErrnoException {
    if (!openat2Missing) {
      try {
        return openat2(
            rootfd, path, flags | O_CLOEXEC, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
      } catch (ErrnoException e) {
        if (e.errno() != Errno.ENOSYS) {
          throw e;
        }
        openat2Missing = true;
      }
    }
    return walkInRoot(rootfd, path, flags | O_CLOEXEC, mode);
  }

  /** For tests: forces the component walk instead of openat2. */
  static void forceWalk(boolean walk) {
    openat2Missing = walk;
  }

  /** The openat2-less resolution: a stack of directory descriptors from the root down. */
  static int walkInRoot(int rootfd, String path, int flags, int mode) throws ErrnoException {
    Deque<Integer> stack = new ArrayDeque<>();
    Deque<String> todo = new ArrayDeque<>(components(path));
    int links = 0;
    try {
      stack.push(openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0));
      if (todo.isEmpty()) {
        return openat(stack.peek(), ".", flags, mode);
      }
      while (true) {
        String c = todo.pop();
        boolean last = todo.isEmpty();
        if (c.equals("..")) {
          if (stack.size() > 1) {
            close(stack.pop(), path);
          }
          if (last) {
            return openat(stack.peek(), ".", flags, mode);
          }
          continue;
        }
        int cur = stack.peek();
        Statx st = null;
        try {
          st = statx(cur, c, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS);
        } catch (ErrnoException e) {
          if (e.errno() != Errno.ENOENT || !last) {
            throw new ErrnoException("openat2 (walk)", path, e.errno());
          }
        }
        boolean follow = !last || (flags & O_NOFOLLOW) == 0;
        if (st != null && st.isSymlink() && follow) {
          if (++links > MAX_SYMLINKS) {
            throw new ErrnoException("openat2 (walk)", path, Errno.ELOOP);
          }
          String target = readlinkat(cur, c);
          if (target.startsWith("/")) {
            while (stack.size() > 1) {
              close(stack.pop(), path);
            }
          }
          List<String> more = components(target);
          for (int i = more.size() - 1; i >= 0; i--) {
            todo.push(more.get(i));
          }
          if (todo.isEmpty()) {
            return openat(stack.peek(), ".", flags, mode);
          }
          continue;
        }
        if (last) {
          return openat(cur, c, flags | O_NOFOLLOW, mode);
        }
        if (st == null || !st.isDirectory()) {
          throw new ErrnoException("openat2 (walk)", path, Errno.ENOTDIR);
        }
        stack.push(openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0));
      }
    } finally {
      while (!stack.isEmpty()) {
        int fd = stack.pop();
        try {
          close(fd, path);
        } catch (ErrnoException ignored) {
          // closing a path descriptor cannot lose data
        }
      }
    }
  }

  private static List<String> components(String path) {
    List<String> out = new ArrayList<>();
    for (String c : path.split("/")) {
      if (!c.isEmpty() && !c.equals(".")) {
        out.add(c);
      }
    }
    return out;
  }

  /** mkdirat(2). */
  public static void mkdirat(int dirfd, String name, int mode) throws ErrnoException {
    try {
      int rc =
          (int)
              MKDIRAT.invokeExact(
                  Native.captureState(), dirfd, Native.path(0, name, "mkdirat"), mode);
      check(rc, "mkdirat", name);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** mknodat(2); {@code mode} holds the type bits, {@code dev} comes from {@link #makedev}. */
  public static void mknodat(int dirfd, String name, int mode, long dev) throws ErrnoException {
    try {
      int rc =
          (int)
              MKNODAT.invokeExact(
                  Native.captureState(), dirfd, Native.path(0, name, "mknodat"), mode, dev);
      check(rc, "mknodat", name);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** symlinkat(2): creates {@code name} in {@code dirfd} pointing at {@code target}. */
  public static void symlinkat(String target, int dirfd, String name) throws ErrnoException {
    try {
      int rc =
          (int)
              SYMLINKAT.invokeExact(
                  Native.captureState(),
                  Native.path(1, target, "symlinkat"),
                  dirfd,
                  Native.path(0, name, "symlinkat"));
      check(rc, "symlinkat", name);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** linkat(2); flags 0 links a symlink itself rather than its target. */
  public static void linkat(int olddirfd, String oldname, int newdirfd, String newname, int flags)
      throws ErrnoException {
    try {
      int rc =
          (int)
              LINKAT.invokeExact(
                  Native.captureState(),
                  olddirfd,
                  Native.path(1, oldname, "linkat"),
                  newdirfd,
                  Native.path(0, newname, "linkat"),
                  flags);
      check(rc, "linkat", newname + " -> " + oldname);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** unlinkat(2); {@link #AT_REMOVEDIR} removes an empty directory. */
  public static void unlinkat(int dirfd, String name, int flags) throws ErrnoException {
    try {
      int rc =
          (int)
              UNLINKAT.invokeExact(
                  Native.captureState(), dirfd, Native.path(0, name, "unlinkat"), flags);
      check(rc, "unlinkat", name);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** renameat(2). */
  public static void renameat(int olddirfd, String oldname, int newdirfd, String newname)
      throws ErrnoException {
    try {
      int rc =
          (int)
              RENAMEAT.invokeExact(
                  Native.captureState(),
                  olddirfd,
                  Native.path(1, oldname, "renameat"),
                  newdirfd,
                  Native.path(0, newname, "renameat"));
      check(rc, "renameat", oldname + " -> " + newname);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** readlinkat(2): the symlink's target, UTF-8 decoded. */
  public static String readlinkat(int dirfd, String name) throws ErrnoException {
    try {
      MemorySegment buf = Native.scratchPath(1);
      long n =
          (long)
              READLINKAT.invokeExact(
                  Native.captureState(),
                  dirfd,
                  Native.path(0, name, "readlinkat"),
                  buf,
                  buf.byteSize());
      if (n < 0) {
        throw new ErrnoException("readlinkat", name, Native.errno());
      }
      if (n >= buf.byteSize()) {
        throw new ErrnoException("readlinkat", name, Errno.ENAMETOOLONG);
      }
      return Names.decode(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** fchownat(2); pass {@link #AT_SYMLINK_NOFOLLOW} to change a symlink itself. -1 keeps one. */
  public static void fchownat(int dirfd, String name, int uid, int gid, int flags)
      throws ErrnoException {
    try {
      int rc =
          (int)
              FCHOWNAT.invokeExact(
                  Native.captureState(), dirfd, Native.path(0, name, "fchownat"), uid, gid, flags);
      check(rc, "fchownat", name);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** lchown(2) equivalent on a path relative to {@code dirfd}: never follows a final symlink. */
  public static void lchownat(int dirfd, String name, int uid, int gid) throws ErrnoException {
    fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
  }

  /** fchown(2). */
  public static void fchown(int fd, int uid, int gid, String pathForErrors) throws ErrnoException {
    try {
      int rc = (int) FCHOWN.invokeExact(Native.captureState(), fd, uid, gid);
      check(rc, "fchown", pathForErrors);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** fchmodat(2) (follows a final symlink: Linux cannot change a symlink's mode). */
  public static void fchmodat(int dirfd, String name, int mode) throws ErrnoException {
    try {
      int rc =
          (int)
              FCHMODAT.invokeExact(
                  Native.captureState(), dirfd, Native.path(0, name, "fchmodat"), mode, 0);
      check(rc, "fchmodat", name);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** fchmod(2). */
  public static void fchmod(int fd, int mode, String pathForErrors) throws ErrnoException {
    try {
      int rc = (int) FCHMOD.invokeExact(Native.captureState(), fd, mode);
      check(rc, "fchmod", pathForErrors);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /**
   * utimensat(2) with nanoseconds; {@link #AT_SYMLINK_NOFOLLOW} sets a symlink's own times. A
   * nanosecond value of {@link #UTIME_OMIT} leaves that time alone.
   */
  public static void utimensat(
      int dirfd, String name, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec,
      int flags)
      throws ErrnoException {
    try {
      MemorySegment ts = timespecs(atimeSec, atimeNsec, mtimeSec, mtimeNsec);
      int rc =
          (int)
              UTIMENSAT.invokeExact(
                  Native.captureState(), dirfd, Native.path(0, name, "utimensat"), ts, flags);
      check(rc, "utimensat", name);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** futimens(3) with nanoseconds. */
  public static void futimens(
      int fd, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec, String pathForErrors)
      throws ErrnoException {
    try {
      MemorySegment ts = timespecs(atimeSec, atimeNsec, mtimeSec, mtimeNsec);
      int rc = (int) FUTIMENS.invokeExact(Native.captureState(), fd, ts);
      check(rc, "futimens", pathForErrors);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  private static MemorySegment timespecs(long as, long an, long ms, long mn) {
    MemorySegment ts = Native.struct();
    ts.set(ValueLayout.JAVA_LONG, 0, as);
    ts.set(ValueLayout.JAVA_LONG, 8, an);
    ts.set(ValueLayout.JAVA_LONG, 16, ms);
    ts.set(ValueLayout.JAVA_LONG, 24, mn);
    return ts.asSlice(0, 32);
  }

  /**
   * read(2) into {@code buf[off, off+len)}; returns the count read, 0 at end of file. Retries on
   * EINTR.
   */
  public static int read(int fd, byte[] buf, int off, int len, String pathForErrors)
      throws ErrnoException {
    java.util.Objects.checkFromIndexSize(off, len, buf.length);
    try {
      MemorySegment seg = MemorySegment.ofArray(buf).asSlice(off, len);
      while (true) {
        long n = (long) READ.invokeExact(Native.captureState(), fd, seg, (long) len);
        if (n >= 0) {
          return (int) n;
        }
        if (Native.errno() != Errno.EINTR) {
          throw new ErrnoException("read", pathForErrors, Native.errno());
        }
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** write(2) of all of {@code buf[off, off+len)}, looping over short writes and EINTR. */
  public static void write(int fd, byte[] buf, int off, int len, String pathForErrors)
      throws ErrnoException {
    java.util.Objects.checkFromIndexSize(off, len, buf.length);
    try {
      MemorySegment seg = MemorySegment.ofArray(buf);
      long pos = off;
      long end = (long) off + len;
      while (pos < end) {
        MemorySegment part = seg.asSlice(pos, end - pos);
        long n = (long) WRITE.invokeExact(Native.captureState(), fd, part, end - pos);
        if (n > 0) {
          pos += n;
        } else if (n == 0) {
          throw new ErrnoException("write", pathForErrors, Errno.EIO);
        } else if (Native.errno() != Errno.EINTR) {
          throw new ErrnoException("write", pathForErrors, Native.errno());
        }
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** lseek(2); returns the new offset. */
  public static long lseek(int fd, long offset, int whence, String pathForErrors)
      throws ErrnoException {
    try {
      long n = (long) LSEEK.invokeExact(Native.captureState(), fd, offset, whence);
      if (n < 0) {
        throw new ErrnoException("lseek", pathForErrors, Native.errno());
      }
      return n;
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** ftruncate(2): sets the size; growing leaves a hole. */
  public static void ftruncate(int fd, long size, String pathForErrors) throws ErrnoException {
    try {
      int rc = (int) FTRUNCATE.invokeExact(Native.captureState(), fd, size);
      check(rc, "ftruncate", pathForErrors);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** close(2). Not retried on EINTR (Linux has closed the descriptor anyway). */
  public static void close(int fd, String pathForErrors) throws ErrnoException {
    try {
      int rc = (int) CLOSE.invokeExact(Native.captureState(), fd);
      if (rc != 0 && Native.errno() != Errno.EINTR) {
        throw new ErrnoException("close", pathForErrors, Native.errno());
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** fsync(2). */
  public static void fsync(int fd, String pathForErrors) throws ErrnoException {
    try {
      int rc = (int) FSYNC.invokeExact(Native.captureState(), fd);
      check(rc, "fsync", pathForErrors);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /**
   * statx(2) of {@code name} relative to {@code dirfd}; with {@link #AT_EMPTY_PATH} and an empty
   * name, of {@code dirfd} itself. Pass {@link #AT_SYMLINK_NOFOLLOW} to stat a symlink itself.
   */
  public static Statx statx(int dirfd, String name, int flags, int mask) throws ErrnoException {
    try {
      MemorySegment b = Native.struct();
      int rc =
          (int)
              STATX.invokeExact(
                  Native.captureState(), dirfd, Native.path(0, name, "statx"), flags, mask, b);
      check(rc, "statx", name);
      return new Statx(
          Short.toUnsignedInt(b.get(ValueLayout.JAVA_SHORT, 28)),
          b.get(ValueLayout.JAVA_INT, 20),
          b.get(ValueLayout.JAVA_INT, 24),
          Integer.toUnsignedLong(b.get(ValueLayout.JAVA_INT, 16)),
          b.get(ValueLayout.JAVA_LONG, 32),
          b.get(ValueLayout.JAVA_LONG, 40),
          b.get(ValueLayout.JAVA_LONG, 48),
          b.get(ValueLayout.JAVA_LONG, 64),
          b.get(ValueLayout.JAVA_INT, 72),
          b.get(ValueLayout.JAVA_LONG, 112),
          b.get(ValueLayout.JAVA_INT, 120),
          b.get(ValueLayout.JAVA_INT, 128),
          b.get(ValueLayout.JAVA_INT, 132),
          b.get(ValueLayout.JAVA_INT, 136),
          b.get(ValueLayout.JAVA_INT, 140));
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** statx of an open descriptor. */
  public static Statx fstatx(int fd, String pathForErrors) throws ErrnoException {
    try {
      return statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS);
    } catch (ErrnoException e) {
      throw new ErrnoException("statx", pathForErrors, e.errno());
    }
  }

  /** The NUL-terminated name at {@code at} in {@code buf}, decoded by {@link Names}. */
  private static String name(MemorySegment buf, long at) {
    long end = at;
    while (buf.get(ValueLayout.JAVA_BYTE, end) != 0) {
      end++;
    }
    return Names.decode(buf.asSlice(at, end - at).toArray(ValueLayout.JAVA_BYTE));
  }

  /**
   * The names in directory {@code name} under {@code dirfd} ({@code "."} for dirfd itself),
   * without "." and "..". Opens its own descriptor, never following a final symlink.
   */
  public static List<DirEntry> listdir(int dirfd, String name) throws ErrnoException {
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    try {
      List<DirEntry> out = new ArrayList<>();
      MemorySegment buf = Native.scratchPath(1);
      while (true) {
        long n = (long) GETDENTS64.invokeExact(Native.captureState(), fd, buf, buf.byteSize());
        if (n < 0) {
          throw new ErrnoException("getdents64", name, Native.errno());
        }
        if (n == 0) {
          return out;
        }
        long pos = 0;
        while (pos < n) {
          int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT, pos + 16));
          int type = Byte.toUnsignedInt(buf.get(ValueLayout.JAVA_BYTE, pos + 18));
          String s = name(buf, pos + 19);
          if (!s.equals(".") && !s.equals("..")) {
            out.add(new DirEntry(s, type));
          }
          pos += reclen;
        }
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    } finally {
      close(fd, name);
    }
  }

  private static void check(int rc, String call, String path) throws ErrnoException {
    if (rc != 0) {
      throw new ErrnoException(call, path, Native.errno());
    }
  }
}
