package dev.layerd.io;

/** Waiting for helper threads. */
public final class Threads {
  private Threads() {}

  /**
   * Waits until {@code t} has ended, however often the caller is interrupted meanwhile (the helper
   * may still hold descriptors or buffers the caller is about to reuse), then restores the
   * caller's interrupt status.
   */
  public static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
