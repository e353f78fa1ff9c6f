package dev.layerd.api;

import static org.assertj.core.api.Assertions.assertThat;

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

  private static GcLock.Held sharedOrFail(GcLock lock) {
    try {
      return lock.shared();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
