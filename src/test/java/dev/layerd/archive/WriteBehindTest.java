package dev.layerd.archive;

import static dev.layerd.archive.TarBuilder.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.linux.MountCalls;
import dev.layerd.linux.Statx;
import dev.layerd.testing.RequiresRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small files are finished on a second thread: the tree and the errors must not show it. */
class WriteBehindTest {
  @TempDir Path tmp;

  @Test
  @RequiresRoot // owners
  void filesReplacedAndHardlinkedWhileStillBeingWrittenEndAsTheLayerSays() throws Exception {
    Random rnd = new Random(5);
    TarBuilder t = new TarBuilder().dir("d");
    Map<String, byte[]> expected = new HashMap<>();
    for (int i = 0; i < 400; i++) {
      byte[] content = new byte[rnd.nextInt(i % 50 == 0 ? 300_000 : 20_000)];
      rnd.nextBytes(content);
      String name = "d/f" + (i % 150); // every name is written two or three times
      t.file(name, content, with().mode(i % 3 == 0 ? 0750 : 0640).owner(i % 5, i % 7));
      expected.put(name, content);
      if (i % 10 == 0) {
        t.hardlink("d/h" + i, name);
        expected.put("d/h" + i, content);
      }
    }
    Path root = Files.createDirectories(tmp.resolve("root"));
    ArchivesTest.apply(root, t.bytes(), WhiteoutMode.DELETE);

    for (Map.Entry<String, byte[]> e : expected.entrySet()) {
      assertThat(Files.readAllBytes(root.resolve(e.getKey())))
          .as(e.getKey())
          .isEqualTo(e.getValue());
    }
    // the last writer of each name decides its metadata, hardlinks share the inode's
    Statx last = ArchivesTest.stat(root.resolve("d/f" + (399 % 150)));
    assertThat(last.permissions()).isEqualTo(399 % 3 == 0 ? 0750 : 0640);
    assertThat(last.uid()).isEqualTo(399 % 5);
    assertThat(ArchivesTest.stat(root.resolve("d/f0")).mtimeSec())
        .isEqualTo(TarBuilder.WHEN.getEpochSecond());
  }

  @Test
  @RequiresRoot
  void aFullFilesystemFailsNamingTheEntryAndKeepsNoDescriptorsOpen() throws Exception {
    Path fs = Files.createDirectories(tmp.resolve("fs"));
    MountCalls.mount("tmpfs", fs, "tmpfs", 0, "size=256k");
    try {
      TarBuilder t = new TarBuilder().dir("d");
      byte[] content = new byte[16 << 10];
      Arrays.fill(content, (byte) 'x');
      for (int i = 0; i < 64; i++) {
        t.file("d/f" + i, content, with().mode(0644));
      }
      byte[] layer = t.bytes();
      long before = openDescriptors();

      assertThatThrownBy(() -> ArchivesTest.apply(fs, layer, WhiteoutMode.DELETE))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("layer sha256:test, entry d/f")
          .hasMessageContaining("No space left on device");
      assertThat(openDescriptors()).isEqualTo(before);

      // the tree stays usable: what fits still applies
      Path again = Files.createDirectories(fs.resolve("again"));
      byte[] small = new TarBuilder().file("ok", "fits").bytes();
      Files.walk(fs.resolve("d")).sorted((a, b) -> b.compareTo(a)).forEach(WriteBehindTest::delete);
      ArchivesTest.apply(again, small, WhiteoutMode.DELETE);
      assertThat(Files.readString(again.resolve("ok"))).isEqualTo("fits");
    } finally {
      MountCalls.unmount(fs, MountCalls.MNT_DETACH);
    }
  }

  private static long openDescriptors() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  private static void delete(Path p) {
    try {
      Files.delete(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void sizesAroundTheHandOverLimitKeepTheirContent() throws Exception {
    TarBuilder t = new TarBuilder();
    List<Integer> sizes =
        List.of(0, 1, WriteBehind.MAX_FILE - 1, WriteBehind.MAX_FILE, WriteBehind.MAX_FILE + 1);
    for (int s : sizes) {
      byte[] c = new byte[s];
      Arrays.fill(c, (byte) (s % 251));
      t.file("s" + s, c, with());
    }
    Path root = Files.createDirectories(tmp.resolve("root"));
    ArchivesTest.apply(root, t.bytes(), WhiteoutMode.DELETE);
    for (int s : sizes) {
      byte[] got = Files.readAllBytes(root.resolve("s" + s));
      assertThat(got).hasSize(s);
      if (s > 0) {
        assertThat(got[s - 1]).isEqualTo((byte) (s % 251));
      }
    }
  }
}
