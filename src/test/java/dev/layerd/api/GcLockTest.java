package dev.layerd.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcLockTest {
  @TempDir Path tmp;

  @Test
  void pruneWaitsForEveryOperationInFlightAndOperationsShareTheLock() throws Exception {
    GcLock lock = new GcLock(tmp.resolve("locks/gc"));
    GcLock.Held unpack = lock.shared();
    GcLock.Held mount = CompletableFuture.supplyAsync(() -> sharedOrFail(lock)).get();

    CountDownLatch pruned = new CountDownLatch(1);
    Thread prune =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (GcLock.Held h = lock.exclusive()) {
                    pruned.countDown();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });

    assertThat(pruned.await(300, TimeUnit.MILLISECONDS)).as("prune while two hold it").isFalse();
    unpack.close();
    assertThat(pruned.await(300, TimeUnit.MILLISECONDS)).as("prune while one holds it").isFalse();
    mount.close();
    assertThat(pruned.await(30, TimeUnit.SECONDS)).as("prune once all let go").isTrue();
    prune.join();

    // Usable again afterwards, shared and exclusive.
    lock.shared().close();
    lock.exclusive().close();
  }

  /**
   * Across processes: a prune in another JVM waits while this one holds the lock shared, and an
   * operation here waits while that JVM holds it exclusive.
   */
  @Test
  void anotherProcessWaitsForTheLockAndHoldsOthersBack() throws Exception {
    Path file = tmp.resolve("locks/gc");
    GcLock lock = new GcLock(file);

    GcLock.Held unpack = lock.shared();
    Process prune = probe(file, "exclusive");
    var pruneSays = new java.io.BufferedReader(
        new java.io.InputStreamReader(prune.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> readLine(pruneSays));
    assertThat(firstLine).as("the other process must wait for this one's shared hold")
        .failsWithin(java.time.Duration.ofMillis(1500));
    unpack.close();
    assertThat(firstLine.get(60, TimeUnit.SECONDS)).isEqualTo("held exclusive");

    CompletableFuture<GcLock.Held> op = CompletableFuture.supplyAsync(() -> sharedOrFail(lock));
    assertThat(op).as("this process must wait while the other holds it exclusive")
        .failsWithin(java.time.Duration.ofMillis(1500));
    prune.getOutputStream().close(); // lets the probe release and exit
    op.get(60, TimeUnit.SECONDS).close();
    assertThat(prune.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(prune.exitValue()).isZero();
  }

  /** A JVM running {@link GcLockProbe} on {@code file}. */
  private static Process probe(Path file, String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java, "-cp", System.getProperty("java.class.path"), GcLockProbe.class.getName(),
            file.toString(), mode)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static String readLine(java.io.BufferedReader r) {
    try {
      return r.readLine();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static GcLock.Held sharedOrFail(GcLock lock) {
    try {
      return lock.shared();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
