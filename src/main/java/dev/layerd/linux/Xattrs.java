package dev.layerd.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Extended attributes: the {@code l*} calls (never following a final symlink) on paths, and the
 * {@code f*} calls on descriptors. To reach a name inside a directory held open, without trusting
 * the path above it, use {@link #at(int, String)}.
 */
public final class Xattrs {
  /** setxattr flag: fail if the attribute exists. */
  public static final int XATTR_CREATE = 1;

  /** setxattr flag: fail if the attribute does not exist. */
  public static final int XATTR_REPLACE = 2;

  /** The kernel's limit on one value. */
  public static final int SIZE_MAX = 65536;

  private static final ValueLayout.OfInt I = Native.C_INT;
  private static final ValueLayout.OfLong L = Native.C_LONG;
  private static final ValueLayout P = Native.PTR;

  private static final MethodHandle LSETXATTR =
      Native.errnoCall("lsetxattr", FunctionDescriptor.of(I, P, P, P, L, I));
  private static final MethodHandle LGETXATTR =
      Native.errnoCall("lgetxattr", FunctionDescriptor.of(L, P, P, P, L));
  private static final MethodHandle LLISTXATTR =
      Native.errnoCall("llistxattr", FunctionDescriptor.of(L, P, P, L));
  private static final MethodHandle LREMOVEXATTR =
      Native.errnoCall("lremovexattr", FunctionDescriptor.of(I, P, P));
  private static final MethodHandle FSETXATTR =
      Native.errnoCall("fsetxattr", FunctionDescriptor.of(I, I, P, P, L, I));
  private static final MethodHandle FGETXATTR =
      Native.errnoCall("fgetxattr", FunctionDescriptor.of(L, I, P, P, L));
  private static final MethodHandle FLISTXATTR =
      Native.errnoCall("flistxattr", FunctionDescriptor.of(L, I, P, L));
  private static final MethodHandle FREMOVEXATTR =
      Native.errnoCall("fremovexattr", FunctionDescriptor.of(I, I, P));

  private Xattrs() {}

  /**
   * A path naming {@code name} inside the directory open as {@code dirfd}, through the process's
   * own descriptor table: the directory is the one held open, whatever happened to the path that
   * led there. Use with the {@code l*} calls so that a final symlink is not followed.
   */
  public static String at(int dirfd, String name) {
    return "/proc/self/fd/" + dirfd + "/" + name;
  }

  /** lsetxattr(2). */
  public static void lset(String path, String name, byte[] value, int flags) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment v = a.allocate(Math.max(1, value.length));
      MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
      int rc =
          (int)
              LSETXATTR.invokeExact(
                  Native.captureState(),
                  Native.path(0, path, "lsetxattr"),
                  Native.path(1, name, "lsetxattr"),
                  v,
                  (long) value.length,
                  flags);
      if (rc != 0) {
        throw new ErrnoException("lsetxattr " + name, path, Native.errno());
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** fsetxattr(2). */
  public static void fset(int fd, String name, byte[] value, int flags, String pathForErrors)
      throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment v = a.allocate(Math.max(1, value.length));
      MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
      int rc =
          (int)
              FSETXATTR.invokeExact(
                  Native.captureState(),
                  fd,
                  Native.path(1, name, "fsetxattr"),
                  v,
                  (long) value.length,
                  flags);
      if (rc != 0) {
        throw new ErrnoException("fsetxattr " + name, pathForErrors, Native.errno());
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** lgetxattr(2): the value, or empty when the file has no such attribute (ENODATA). */
  public static Optional<byte[]> lget(String path, String name) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(SIZE_MAX);
      long n =
          (long)
              LGETXATTR.invokeExact(
                  Native.captureState(),
                  Native.path(0, path, "lgetxattr"),
                  Native.path(1, name, "lgetxattr"),
                  buf,
                  (long) SIZE_MAX);
      if (n < 0) {
        if (Native.errno() == Errno.ENODATA) {
          return Optional.empty();
        }
        throw new ErrnoException("lgetxattr " + name, path, Native.errno());
      }
      return Optional.of(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** fgetxattr(2): the value, or empty when there is no such attribute. */
  public static Optional<byte[]> fget(int fd, String name, String pathForErrors)
      throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(SIZE_MAX);
      long n =
          (long)
              FGETXATTR.invokeExact(
                  Native.captureState(), fd, Native.path(1, name, "fgetxattr"), buf,
                  (long) SIZE_MAX);
      if (n < 0) {
        if (Native.errno() == Errno.ENODATA) {
          return Optional.empty();
        }
        throw new ErrnoException("fgetxattr " + name, pathForErrors, Native.errno());
      }
      return Optional.of(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** llistxattr(2): the attribute names, in the kernel's order. */
  public static List<String> llist(String path) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(SIZE_MAX);
      long n =
          (long)
              LLISTXATTR.invokeExact(
                  Native.captureState(), Native.path(0, path, "llistxattr"), buf, (long) SIZE_MAX);
      if (n < 0) {
        throw new ErrnoException("llistxattr", path, Native.errno());
      }
      return names(buf, n);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** flistxattr(2). */
  public static List<String> flist(int fd, String pathForErrors) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(SIZE_MAX);
      long n = (long) FLISTXATTR.invokeExact(Native.captureState(), fd, buf, (long) SIZE_MAX);
      if (n < 0) {
        throw new ErrnoException("flistxattr", pathForErrors, Native.errno());
      }
      return names(buf, n);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  private static List<String> names(MemorySegment buf, long n) {
    List<String> out = new ArrayList<>();
    long start = 0;
    for (long i = 0; i < n; i++) {
      if (buf.get(ValueLayout.JAVA_BYTE, i) == 0) {
        if (i > start) {
          out.add(
              new String(
                  buf.asSlice(start, i - start).toArray(ValueLayout.JAVA_BYTE),
                  StandardCharsets.UTF_8));
        }
        start = i + 1;
      }
    }
    return out;
  }

  /** lremovexattr(2); a missing attribute (ENODATA) is not an error. */
  public static void lremove(String path, String name) throws ErrnoException {
    try {
      int rc =
          (int)
              LREMOVEXATTR.invokeExact(
                  Native.captureState(),
                  Native.path(0, path, "lremovexattr"),
                  Native.path(1, name, "lremovexattr"));
      if (rc != 0 && Native.errno() != Errno.ENODATA) {
        throw new ErrnoException("lremovexattr " + name, path, Native.errno());
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** fremovexattr(2); a missing attribute is not an error. */
  public static void fremove(int fd, String name, String pathForErrors) throws ErrnoException {
    try {
      int rc =
          (int)
              FREMOVEXATTR.invokeExact(
                  Native.captureState(), fd, Native.path(1, name, "fremovexattr"));
      if (rc != 0 && Native.errno() != Errno.ENODATA) {
        throw new ErrnoException("fremovexattr " + name, pathForErrors, Native.errno());
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }
}
