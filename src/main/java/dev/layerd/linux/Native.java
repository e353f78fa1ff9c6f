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

  private static final ThreadLocal<MemorySegment> CAPTURE_STATE =
      ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE_LAYOUT));

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
