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
    int committedSeen = 0;
    for (int round = 0; round < KILLS; round++) {
      Process p = start(backend, round);
      boolean waitReady = round % 3 != 0;
      if (waitReady) {
        BufferedReader out =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).as("driver output").isEqualTo("ready");
      }
      Thread.sleep(waitReady ? rnd.nextInt(1200) : 400 + rnd.nextInt(1500));
      p.destroyForcibly();
      p.waitFor();

      try (MetadataDatabase db = MetadataDatabase.open(root.resolve("metadata.db"));
          Snapshotter sn = CrashDriver.open(backend, root, db)) {
        committedSeen = Math.max(committedSeen, checkConsistent((LocalSnapshotter) sn));
        CrashDriver.step(sn, rnd, "check-" + round);
        checkConsistent((LocalSnapshotter) sn);
      }
    }
    assertThat(committedSeen).as("committed layers written by the drivers").isGreaterThan(3);
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
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
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
    for (String aside : List.of("tmp", "trash")) {
      try (Stream<Path> list = Files.list(sn.snapshotsDir().resolveSibling(aside))) {
        assertThat(list).as(aside + " after reopen").isEmpty();
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
