package dev.layerd.snapshots;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.metadata.MetadataDatabase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kills a process working on a snapshotter with SIGKILL at random points, then reopens the store
 * and checks that rows and directories agree, that every committed layer is whole, and that the
 * store keeps working.
 */
class SnapshotterCrashTest {
  private static final int KILLS = 10;

  @TempDir Path root;

  @ParameterizedTest
  @ValueSource(strings = {Snapshotters.OVERLAYFS, Snapshotters.NATIVE})
  void storeStaysConsistentAcrossKills(String backend) throws Exception {
    Random rnd = new Random(42);
    int driverSteps = 0;
    for (int round = 0; round < KILLS; round++) {
      Process p = start(backend, round);
      if (round % 3 == 0) {
        // Somewhere in start-up or recovery.
        Thread.sleep(300 + rnd.nextInt(1500));
      } else {
        // After a random number of finished steps, a little way into the next one.
        BufferedReader out =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).as("driver output").isEqualTo("ready");
        for (int steps = 1 + rnd.nextInt(6); steps > 0; steps--) {
          assertThat(out.readLine()).as("driver output").startsWith("step");
          driverSteps++;
        }
        Thread.sleep(rnd.nextInt(40));
      }
      p.destroyForcibly();
      p.waitFor();

      try (MetadataDatabase db = MetadataDatabase.open(root.resolve("metadata.db"));
          Snapshotter sn = CrashDriver.open(backend, root, db)) {
        checkConsistent((LocalSnapshotter) sn);
        CrashDriver.step(sn, rnd, "check-" + round);
      }
      // Checked after close: removal deletes in the background and close waits for it.
      try (MetadataDatabase db = MetadataDatabase.open(root.resolve("metadata.db"));
          Snapshotter sn = CrashDriver.open(backend, root, db)) {
        checkConsistent((LocalSnapshotter) sn);
      }
    }
    assertThat(driverSteps).as("steps the drivers finished before their kills").isPositive();
    try (MetadataDatabase db = MetadataDatabase.open(root.resolve("metadata.db"));
        Snapshotter sn = CrashDriver.open(backend, root, db)) {
      assertThat(sn.walk(s -> s.kind() == Kind.COMMITTED && s.name().startsWith("layer ")))
          .as("committed layers")
          .isNotEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {Snapshotters.OVERLAYFS, Snapshotters.NATIVE})
  void twoProcessesWorkOnOneRootAtOnce(String backend) throws Exception {
    Random rnd = new Random(7);
    Process p = start(backend, 1000);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    assertThat(out.readLine()).as("driver output").isEqualTo("ready");
    AtomicInteger driverSteps = new AtomicInteger();
    Thread drain = Thread.ofVirtual().start(() -> {
      try {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.startsWith("step")) {
            driverSteps.incrementAndGet();
          }
        }
      } catch (IOException e) {
        // The driver was killed; its pipe closes.
      }
    });
    List<String> unexpected = new ArrayList<>();
    int done = 0;
    try (MetadataDatabase db = MetadataDatabase.open(root.resolve("metadata.db"));
        Snapshotter sn = CrashDriver.open(backend, root, db)) {
      // Until both sides made progress (the other JVM starts slower), within a fixed bound.
      for (int i = 0; i < 2000 && p.isAlive() && (done < 60 || driverSteps.get() < 3); i++) {
        try {
          CrashDriver.step(sn, rnd, "here-" + i);
          done++;
        } catch (dev.layerd.errdefs.LayerdException e) {
          // The other process removed or took a name this step chose: a race both sides lose
          // cleanly. Anything else is a failure.
          if (!CrashDriver.RACES.contains(e.kind())) {
            unexpected.add(e.toString());
          }
        } catch (IOException e) {
          unexpected.add(e.toString());
        }
      }
      assertThat(p.isAlive()).as("driver still running").isTrue();
      p.destroyForcibly();
      p.waitFor();
      drain.join();
    }

    assertThat(unexpected).isEmpty();
    assertThat(done).as("steps here").isPositive();
    assertThat(driverSteps.get()).as("steps in the other process").isPositive();
    try (MetadataDatabase db = MetadataDatabase.open(root.resolve("metadata.db"));
        Snapshotter sn = CrashDriver.open(backend, root, db)) {
      checkConsistent((LocalSnapshotter) sn);
    }
  }

  private Process start(String backend, int seed) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "--enable-native-access=ALL-UNNAMED",
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            CrashDriver.class.getName(),
            root.toString(),
            backend,
            Integer.toString(seed));
    pb.redirectError(root.resolve("driver-" + seed + ".log").toFile());
    return pb.start();
  }

  /** Asserts rows and directories agree and committed layers are whole; returns committed count. */
  static int checkConsistent(LocalSnapshotter sn) throws IOException {
    List<SnapshotInfo> all = sn.walk(s -> true);
    Set<Path> dirs = new HashSet<>();
    int committed = 0;
    for (SnapshotInfo s : all) {
      Path dir = sn.directory(s.name());
      assertThat(dir.resolve("fs")).as("directory of %s", s.name()).isDirectory();
      dirs.add(dir);
      if (s.kind() == Kind.COMMITTED) {
        committed++;
        checkWhole(dir.resolve("fs"), s.name());
      }
    }
    try (Stream<Path> list = Files.list(sn.snapshotsDir())) {
      assertThat(new HashSet<>(list.toList())).as("directories without rows").isEqualTo(dirs);
    }
    // Left by a dead process: gone after reopen. This process's background removals may still
    // be running.
    String own = Long.toString(ProcessHandle.current().pid());
    for (String aside : List.of("tmp", "trash")) {
      try (Stream<Path> list = Files.list(sn.snapshotsDir().resolveSibling(aside))) {
        assertThat(list.map(p -> p.getFileName().toString().replaceFirst("^new-", "")))
            .as(aside + " after reopen")
            .allMatch(n -> n.startsWith(own + "-"));
      }
    }
    return committed;
  }

  /** Every manifest in the layer names files present with their full length and content. */
  private static void checkWhole(Path fs, String name) throws IOException {
    List<Path> manifests = new ArrayList<>();
    try (Stream<Path> list = Files.list(fs)) {
      list.filter(p -> p.getFileName().toString().startsWith("manifest-")).forEach(manifests::add);
    }
    for (Path m : manifests) {
      List<String> lines = Files.readAllLines(m);
      assertThat(lines).as("manifest %s of %s", m, name).hasSize(CrashDriver.FILES);
      for (String line : lines) {
        String[] f = line.split(" ");
        byte[] want = CrashDriver.content(f[0], Integer.parseInt(f[1]));
        assertThat(Files.readAllBytes(fs.resolve(f[0]))).as("%s in %s", f[0], name)
            .isEqualTo(want);
      }
    }
  }
}
