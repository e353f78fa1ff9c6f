package dev.layerd.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** Flushing a whole filesystem: open(2) a directory on it, syncfs(2), close(2). */
public final class SyncCalls {
  private static final int O_RDONLY = 0;
  private static final int O_DIRECTORY = 0200000;
  private static final int O_CLOEXEC = 02000000;

  // open(2) is variadic: the mode travels as the first variadic argument.
  private static final MethodHandle OPEN =
      Native.LINKER.downcallHandle(
          Native.LIBC.find("open").orElseThrow(),
          FunctionDescriptor.of(Native.C_INT, Native.PTR, Native.C_INT, Native.C_INT),
          Linker.Option.captureCallState("errno"),
          Linker.Option.firstVariadicArg(2));
  private static final MethodHandle CLOSE =
      Native.call("close", FunctionDescriptor.of(Native.C_INT, Native.C_INT));

  private SyncCalls() {}

  /** Writes out everything cached for the filesystem that holds the directory {@code dir}. */
  public static void syncfs(Path dir) throws ErrnoException {
    int fd = open(dir);
    try {
      MountCalls.syncfs(fd, dir.toString());
    } finally {
      close(fd);
    }
  }

  private static int open(Path dir) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      int fd =
          (int)
              OPEN.invokeExact(
                  Native.captureState(),
                  a.allocateFrom(dir.toString()),
                  O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                  0);
      if (fd < 0) {
        throw new ErrnoException("open", dir.toString(), Native.errno());
      }
      return fd;
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  private static void close(int fd) {
    try {
      int unused = (int) CLOSE.invokeExact(fd);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }
}
