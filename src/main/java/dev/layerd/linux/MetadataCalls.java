package dev.layerd.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * chmod(2) with the full mode (set-id and sticky bits, which the JDK cannot set) and the xattr
 * calls that do not follow symlinks (llistxattr, lgetxattr, lsetxattr, lremovexattr), for copying
 * a file's metadata exactly.
 */
public final class MetadataCalls {
  private static final MethodHandle CHMOD =
      Native.errnoCall("chmod", FunctionDescriptor.of(Native.C_INT, Native.PTR, Native.C_INT));
  private static final MethodHandle LLISTXATTR =
      Native.errnoCall(
          "llistxattr",
          FunctionDescriptor.of(Native.C_LONG, Native.PTR, Native.PTR, Native.SIZE_T));
  private static final MethodHandle LGETXATTR =
      Native.errnoCall(
          "lgetxattr",
          FunctionDescriptor.of(Native.C_LONG, Native.PTR, Native.PTR, Native.PTR, Native.SIZE_T));
  private static final MethodHandle LSETXATTR =
      Native.errnoCall(
          "lsetxattr",
          FunctionDescriptor.of(
              Native.C_INT, Native.PTR, Native.PTR, Native.PTR, Native.SIZE_T, Native.C_INT));
  private static final MethodHandle LREMOVEXATTR =
      Native.errnoCall(
          "lremovexattr", FunctionDescriptor.of(Native.C_INT, Native.PTR, Native.PTR));

  private MetadataCalls() {}

  /** chmod(2): sets all twelve permission bits of {@code path} (follows a final symlink). */
  public static void chmod(Path path, int mode) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      int rc = (int) CHMOD.invokeExact(Native.captureState(), a.allocateFrom(path.toString()),
          mode & 07777);
      if (rc != 0) {
        throw new ErrnoException("chmod", path.toString(), Native.errno());
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** Every extended attribute of {@code path} (not following a symlink), name to value. */
  public static Map<String, byte[]> xattrs(Path path) throws ErrnoException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String name : listXattrs(path)) {
      byte[] v = getXattr(path, name);
      if (v != null) {
        out.put(name, v);
      }
    }
    return out;
  }

  /** The names of {@code path}'s extended attributes; empty where the filesystem has none. */
  public static List<String> listXattrs(Path path) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocateFrom(path.toString());
      while (true) {
        long size = (long) LLISTXATTR.invokeExact(Native.captureState(), p, MemorySegment.NULL, 0L);
        if (size < 0) {
          int errno = Native.errno();
          if (errno == Errno.EOPNOTSUPP) {
            return List.of();
          }
          throw new ErrnoException("llistxattr", path.toString(), errno);
        }
        if (size == 0) {
          return List.of();
        }
        MemorySegment buf = a.allocate(size);
        long got = (long) LLISTXATTR.invokeExact(Native.captureState(), p, buf, size);
        if (got < 0) {
          int errno = Native.errno();
          if (errno == Errno.ERANGE) {
            continue;
          }
          throw new ErrnoException("llistxattr", path.toString(), errno);
        }
        List<String> names = new ArrayList<>();
        byte[] bytes = buf.asSlice(0, got).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
          if (bytes[i] == 0) {
            if (i > start) {
              names.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
            }
            start = i + 1;
          }
        }
        return names;
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** The value of xattr {@code name} of {@code path}, or null when it is absent. */
  public static byte[] getXattr(Path path, String name) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocateFrom(path.toString());
      MemorySegment n = a.allocateFrom(name);
      while (true) {
        long size =
            (long) LGETXATTR.invokeExact(Native.captureState(), p, n, MemorySegment.NULL, 0L);
        if (size < 0) {
          int errno = Native.errno();
          if (errno == Errno.ENODATA || errno == Errno.EOPNOTSUPP) {
            return null;
          }
          throw new ErrnoException("lgetxattr " + name, path.toString(), errno);
        }
        MemorySegment buf = a.allocate(Math.max(1, size));
        long got = (long) LGETXATTR.invokeExact(Native.captureState(), p, n, buf, size);
        if (got < 0) {
          int errno = Native.errno();
          if (errno == Errno.ERANGE) {
            continue;
          }
          if (errno == Errno.ENODATA) {
            return null;
          }
          throw new ErrnoException("lgetxattr " + name, path.toString(), errno);
        }
        return buf.asSlice(0, got).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** Sets xattr {@code name} of {@code path} (not following a symlink). */
  public static void setXattr(Path path, String name, byte[] value) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment v = a.allocate(Math.max(1, value.length));
      v.copyFrom(MemorySegment.ofArray(value));
      int rc =
          (int)
              LSETXATTR.invokeExact(
                  Native.captureState(), a.allocateFrom(path.toString()), a.allocateFrom(name), v,
                  (long) value.length, 0);
      if (rc != 0) {
        throw new ErrnoException("lsetxattr " + name, path.toString(), Native.errno());
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** Removes xattr {@code name} of {@code path}; absent is not an error. */
  public static void removeXattr(Path path, String name) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      int rc =
          (int)
              LREMOVEXATTR.invokeExact(
                  Native.captureState(), a.allocateFrom(path.toString()), a.allocateFrom(name));
      if (rc != 0 && Native.errno() != Errno.ENODATA) {
        throw new ErrnoException("lremovexattr " + name, path.toString(), Native.errno());
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }
}
