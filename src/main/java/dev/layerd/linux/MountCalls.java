package dev.layerd.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** mount(2), umount2(2) and syncfs(2). */
public final class MountCalls {
  public static final long MS_RDONLY = 1L;
  public static final long MS_NOSUID = 2L;
  public static final long MS_NODEV = 4L;
  public static final long MS_REMOUNT = 32L;
  public static final long MS_BIND = 4096L;
  public static final long MS_REC = 16384L;
  public static final long MS_PRIVATE = 1L << 18;

  public static final int MNT_FORCE = 1;
  public static final int MNT_DETACH = 2;
  public static final int UMOUNT_NOFOLLOW = 8;

  private static final MethodHandle MOUNT =
      Native.errnoCall(
          "mount",
          FunctionDescriptor.of(
              Native.C_INT, Native.PTR, Native.PTR, Native.PTR, Native.C_LONG, Native.PTR));
  private static final MethodHandle UMOUNT2 =
      Native.errnoCall("umount2", FunctionDescriptor.of(Native.C_INT, Native.PTR, Native.C_INT));
  private static final MethodHandle SYNCFS =
      Native.errnoCall("syncfs", FunctionDescriptor.of(Native.C_INT, Native.C_INT));

  private MountCalls() {}

  /**
   * mount(2). {@code data} may be null. Long overlay option strings are passed as they are; the
   * kernel limits them to one page.
   */
  @SuppressWarnings("cast") // the casts set invokeExact's argument types; javac misses that
  public static void mount(String source, Path target, String fsType, long flags, String data)
      throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      // Locals, not conditionals in the call: invokeExact would type those as Object.
      MemorySegment type = fsType == null ? MemorySegment.NULL : a.allocateFrom(fsType);
      MemorySegment options = data == null ? MemorySegment.NULL : a.allocateFrom(data);
      int rc =
          (int)
              MOUNT.invokeExact(
                  Native.captureState(),
                  a.allocateFrom(source == null ? "none" : source),
                  a.allocateFrom(target.toString()),
                  type,
                  flags,
                  options);
      if (rc != 0) {
        throw new ErrnoException(
            "mount " + fsType + " " + (data == null ? "" : data),
            target.toString(),
            Native.errno());
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** umount2(2) with {@code flags} (for example {@link #MNT_DETACH}). */
  public static void unmount(Path target, int flags) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment path = a.allocateFrom(target.toString());
      int rc = (int) UMOUNT2.invokeExact(Native.captureState(), path, flags);
      if (rc != 0) {
        throw new ErrnoException("umount2", target.toString(), Native.errno());
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** syncfs(2) on the filesystem holding the open descriptor {@code fd}. */
  public static void syncfs(int fd, String pathForErrors) throws ErrnoException {
    try {
      int rc = (int) SYNCFS.invokeExact(Native.captureState(), fd);
      if (rc != 0) {
        throw new ErrnoException("syncfs", pathForErrors, Native.errno());
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }
}
