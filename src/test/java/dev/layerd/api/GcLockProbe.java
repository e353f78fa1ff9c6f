package dev.layerd.api;

import java.nio.file.Path;

/**
 * Run in a second JVM by {@link GcLockTest}: takes the gc lock at {@code args[0]} in mode {@code
 * args[1]} (shared or exclusive), says so on standard output, and holds it until its standard
 * input ends.
 */
final class GcLockProbe {
  private GcLockProbe() {}

  public static void main(String[] args) throws Exception {
    GcLock lock = new GcLock(Path.of(args[0]));
    try (GcLock.Held h = args[1].equals("exclusive") ? lock.exclusive() : lock.shared()) {
      System.out.println("held " + args[1]);
      System.out.flush();
      System.in.transferTo(java.io.OutputStream.nullOutputStream());
    }
  }
}
