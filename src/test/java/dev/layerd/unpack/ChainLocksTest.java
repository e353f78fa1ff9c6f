package dev.layerd.unpack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.oci.Digest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChainLocksTest {
  @TempDir Path tmp;

  private static final Digest CHAIN = Digest.sha256("chain".getBytes(StandardCharsets.UTF_8));

  @Test
  void aChainLockedByAnotherProcessIsHeldUntilThatProcessLetsGo() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process holder =
        new ProcessBuilder(
                java.toString(), "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), tmp.toString(), CHAIN.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("locked");

      Path file = tmp.resolve("sha256-" + CHAIN.hex() + ".lock");
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        FileLock attempt = ch.tryLock();
        assertThat(attempt).as("held by the other process").isNull();
      }

      holder.getOutputStream().close();
      assertThat(holder.waitFor()).isZero();
      try (ChainLocks.Held h = new ChainLocks(tmp).lock(CHAIN)) {
        assertThat(h).as("taken once the other process let go").isNotNull();
      }
    } finally {
      holder.destroy();
    }
  }

  @Test
  void threadsOfOneProcessTakeTurnsOnAChain() throws Exception {
    ChainLocks locks = new ChainLocks(tmp);
    java.util.concurrent.CountDownLatch acquired = new java.util.concurrent.CountDownLatch(1);
    Thread other;
    try (ChainLocks.Held h = locks.lock(CHAIN)) {
      other =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (ChainLocks.Held h2 = new ChainLocks(tmp).lock(CHAIN)) {
                      acquired.countDown();
                    } catch (Exception e) {
                      throw new RuntimeException(e);
                    }
                  });
      assertThat(acquired.getCount()).isEqualTo(1);
    }
    acquired.await();
    other.join();
    assertThat(acquired.getCount()).isZero();
  }
}
