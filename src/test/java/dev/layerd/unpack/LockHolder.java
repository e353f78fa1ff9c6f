package dev.layerd.unpack;

import dev.layerd.oci.Digest;
import java.nio.file.Path;

/** Run as a separate process: takes a chain lock, says so, holds it until stdin closes. */
final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    ChainLocks locks = new ChainLocks(Path.of(args[0]));
    try (ChainLocks.Held h = locks.lock(Digest.parse(args[1]))) {
      System.out.println("locked");
      System.out.flush();
      System.in.transferTo(java.io.OutputStream.nullOutputStream());
    }
  }
}
