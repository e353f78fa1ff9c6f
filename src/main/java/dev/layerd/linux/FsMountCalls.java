package dev.layerd.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The new mount API (fsopen(2), fsconfig(2), fsmount(2), move_mount(2), Linux 5.2+), called
 * through syscall(2) so that an older libc without the wrappers still works. layerd needs it for
 * overlay mounts whose option string would exceed the one page mount(2) accepts: since Linux 6.8
 * overlayfs takes lower layers one at a time as {@code lowerdir+}.
 */
public final class FsMountCalls {
  // Syscall numbers of the new mount API are the same on x86_64 and aarch64.
  private static final long SYS_MOVE_MOUNT = 429;
  private static final long SYS_FSOPEN = 430;
  private static final long SYS_FSCONFIG = 431;
  private static final long SYS_FSMOUNT = 432;

  public static final int FSOPEN_CLOEXEC = 1;
  public static final int FSMOUNT_CLOEXEC = 1;
  public static final int FSCONFIG_SET_FLAG = 0;
  public static final int FSCONFIG_SET_STRING = 1;
  public static final int FSCONFIG_CMD_CREATE = 6;
  public static final long MOUNT_ATTR_RDONLY = 1;
  public static final int MOVE_MOUNT_F_EMPTY_PATH = 4;
  private static final int AT_FDCWD = -100;

  private static final MethodHandle SYSCALL =
      Native.LINKER.downcallHandle(
          Native.LIBC.find("syscall").orElseThrow(),
          FunctionDescriptor.of(
              Native.C_LONG,
              Native.C_LONG,
              Native.C_LONG,
              Native.C_LONG,
              Native.C_LONG,
              Native.C_LONG,
              Native.C_LONG),
          Linker.Option.firstVariadicArg(1),
          Linker.Option.captureCallState("errno"));

  private FsMountCalls() {}

  /** fsopen(2): a filesystem context for {@code fsType}; close it with {@link #close}. */
  public static int fsopen(String fsType) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      return (int) call("fsopen " + fsType, "", SYS_FSOPEN, a.allocateFrom(fsType).address(),
          FSOPEN_CLOEXEC, 0, 0, 0);
    }
  }

  /** fsconfig(2) with {@link #FSCONFIG_SET_STRING}; {@code what} names the mount for errors. */
  public static void setString(int fsfd, String key, String value, String what)
      throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      call("fsconfig " + key + "=" + value, what, SYS_FSCONFIG, fsfd, FSCONFIG_SET_STRING,
          a.allocateFrom(key).address(), a.allocateFrom(value).address(), 0);
    }
  }

  /** fsconfig(2) with {@link #FSCONFIG_SET_FLAG}. */
  public static void setFlag(int fsfd, String key, String what) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      call("fsconfig " + key, what, SYS_FSCONFIG, fsfd, FSCONFIG_SET_FLAG,
          a.allocateFrom(key).address(), 0, 0);
    }
  }

  /** fsconfig(2) with {@link #FSCONFIG_CMD_CREATE}: creates the superblock. */
  public static void create(int fsfd, String what) throws ErrnoException {
    call("fsconfig create", what, SYS_FSCONFIG, fsfd, FSCONFIG_CMD_CREATE, 0, 0, 0);
  }

  /** fsmount(2): a detached mount of the created context; {@code attrs} like MOUNT_ATTR_RDONLY. */
  public static int fsmount(int fsfd, long attrs, String what) throws ErrnoException {
    return (int) call("fsmount", what, SYS_FSMOUNT, fsfd, FSMOUNT_CLOEXEC, attrs, 0, 0);
  }

  /** move_mount(2) of the detached mount {@code mntfd} onto {@code target}. */
  public static void attach(int mntfd, Path target) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      call("move_mount", target.toString(), SYS_MOVE_MOUNT, mntfd, a.allocateFrom("").address(),
          AT_FDCWD, a.allocateFrom(target.toString()).address(), MOVE_MOUNT_F_EMPTY_PATH);
    }
  }

  /** close(2) of a descriptor these calls returned; errors are ignored, as after any close. */
  public static void close(int fd) {
    try {
      FileCalls.close(fd, "");
    } catch (ErrnoException ignored) {
      // Nothing useful to do: the descriptor is gone either way.
    }
  }

  private static long call(String op, String path, long nr, long a1, long a2, long a3, long a4,
      long a5) throws ErrnoException {
    try {
      MemorySegment state = Native.captureState();
      long rc = (long) SYSCALL.invokeExact(state, nr, a1, a2, a3, a4, a5);
      if (rc < 0) {
        throw new ErrnoException(op, path, Native.errno());
      }
      return rc;
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }
}
