package dev.layerd.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The plumbing shared by the system call wrappers: the libc lookup, downcall handles that capture
 * errno, and a per-thread scratch area for the errno capture.
 */
final class Native {
  static final Linker LINKER = Linker.nativeLinker();
  static final SymbolLookup LIBC = LINKER.defaultLookup();
  static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

  // ofAuto: a thread's scratch memory goes with the thread (virtual threads come and go)
  private static final ThreadLocal<MemorySegment> CAPTURE_STATE =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

  /** Bytes in each path slot of the scratch area: PATH_MAX plus room, NUL included. */
  static final int PATH_SLOT = 8192;

  private static final int STRUCT_SLOT = 512;
  private static final ThreadLocal<MemorySegment> SCRATCH =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(2L * PATH_SLOT + STRUCT_SLOT, 16));

  private static final MethodHandle STRERROR =
      LINKER.downcallHandle(
          LIBC.find("strerror").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

  static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
  static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
  static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
  static final ValueLayout PTR = ValueLayout.ADDRESS;

  private Native() {}

  /** A downcall to libc's {@code name} whose first parameter is the errno capture segment. */
  static MethodHandle errnoCall(String name, FunctionDescriptor fd) {
    MemorySegment sym =
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc lacks " + name));
    return LINKER.downcallHandle(sym, fd, CAPTURE);
  }

  /** Like {@link #errnoCall}, for a variadic function with {@code fixed} fixed parameters. */
  static MethodHandle variadicErrnoCall(String name, FunctionDescriptor fd, int fixed) {
    MemorySegment sym =
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc lacks " + name));
    return LINKER.downcallHandle(sym, fd, CAPTURE, Linker.Option.firstVariadicArg(fixed));
  }

  /**
   * Like {@link #errnoCall}, and the call may be given heap segments (Java arrays) directly; for
   * read and write, which then need no copy through native memory.
   */
  static MethodHandle heapErrnoCall(String name, FunctionDescriptor fd) {
    MemorySegment sym =
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc lacks " + name));
    return LINKER.downcallHandle(sym, fd, CAPTURE, Linker.Option.critical(true));
  }

  /** A downcall without errno capture. */
  static MethodHandle call(String name, FunctionDescriptor fd) {
    MemorySegment sym =
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc lacks " + name));
    return LINKER.downcallHandle(sym, fd);
  }

  /** This thread's errno capture segment; pass it as the first argument of an errno call. */
  static MemorySegment captureState() {
    return CAPTURE_STATE.get();
  }

  /**
   * {@code s} as a NUL-terminated name ({@link Names#encode}) in this thread's path slot {@code
   * slot} (0 or 1), valid until the next call with the same slot on this thread.
   */
  static MemorySegment path(int slot, String s, String call) throws ErrnoException {
    byte[] b = Names.encode(s);
    if (b.length >= PATH_SLOT) {
      throw new ErrnoException(call, s, Errno.ENAMETOOLONG);
    }
    for (byte x : b) {
      if (x == 0) {
        throw new ErrnoException(call, s, Errno.EINVAL);
      }
    }
    MemorySegment seg = SCRATCH.get().asSlice((long) slot * PATH_SLOT, PATH_SLOT);
    MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, b.length);
    seg.set(ValueLayout.JAVA_BYTE, b.length, (byte) 0);
    return seg;
  }

  /** This thread's path slot {@code slot} as a raw buffer of {@value #PATH_SLOT} bytes. */
  static MemorySegment scratchPath(int slot) {
    return SCRATCH.get().asSlice((long) slot * PATH_SLOT, PATH_SLOT);
  }

  /** This thread's zeroed struct slot ({@value #STRUCT_SLOT} bytes, 16-aligned). */
  static MemorySegment struct() {
    MemorySegment seg = SCRATCH.get().asSlice(2L * PATH_SLOT, STRUCT_SLOT);
    return seg.fill((byte) 0);
  }

  /** errno as left by the last errno call on this thread. */
  static int errno() {
    return (int) ERRNO.get(captureState(), 0L);
  }

  static String strerror(int errno) {
    try {
      MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
      return s.reinterpret(256).getString(0);
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }

  /** Rethrows what a method handle threw; handles from this class throw only errors. */
  static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException(t);
  }
}
