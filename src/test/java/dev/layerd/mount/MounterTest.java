package dev.layerd.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.testing.RequiresRoot;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@RequiresRoot
class MounterTest {
  @TempDir Path tmp;

  @Test
  void readOnlyBindShowsFilesAndRefusesWrites() throws IOException {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Files.writeString(src.resolve("a"), "hello");

    try (TempMount m = TempMount.mount(List.of(new BindMount(src, true)), tmp)) {
      assertThat(Files.readString(m.path().resolve("a"))).isEqualTo("hello");
      assertThatThrownBy(() -> Files.writeString(m.path().resolve("b"), "x"))
          .isInstanceOf(FileSystemException.class);
    }

    assertThat(Files.exists(src.resolve("b"))).isFalse();
  }

  @Test
  void writableBindWritesThrough() throws IOException {
    Path src = Files.createDirectories(tmp.resolve("src"));

    try (TempMount m = TempMount.mount(List.of(new BindMount(src, false)), tmp)) {
      Files.writeString(m.path().resolve("b"), "x");
    }

    assertThat(Files.readString(src.resolve("b"))).isEqualTo("x");
  }

  @Test
  void overlayMergesLayersTopFirst() throws IOException {
    Path low = Files.createDirectories(tmp.resolve("low"));
    Path mid = Files.createDirectories(tmp.resolve("mid"));
    Path upper = Files.createDirectories(tmp.resolve("upper"));
    Path work = Files.createDirectories(tmp.resolve("work"));
    Files.writeString(low.resolve("f"), "low");
    Files.writeString(low.resolve("only-low"), "1");
    Files.writeString(mid.resolve("f"), "mid");
    OverlayMount o = new OverlayMount(List.of(mid, low), upper, work, List.of());

    try (TempMount m = TempMount.mount(List.of(o), tmp)) {
      assertThat(Files.readString(m.path().resolve("f"))).isEqualTo("mid");
      assertThat(Files.readString(m.path().resolve("only-low"))).isEqualTo("1");
      Files.writeString(m.path().resolve("new"), "n");
    }

    assertThat(Files.readString(upper.resolve("new"))).isEqualTo("n");
  }

  @Test
  void overlayLongerThanOnePageMountsLayerByLayer() throws IOException {
    List<Path> lowers = new ArrayList<>();
    Path base = Files.createDirectories(tmp.resolve("a-rather-long-directory-name-for-layers"));
    for (int i = 0; i < 150; i++) {
      Path l = Files.createDirectories(base.resolve("layer-number-" + i + "/fs"));
      Files.writeString(l.resolve("file-" + i), Integer.toString(i));
      lowers.addFirst(l);
    }
    OverlayMount o = new OverlayMount(lowers, null, null, List.of());
    assertThat(String.join(",", o.options()).length()).isGreaterThan(Mounter.MAX_MOUNT_DATA);

    try (TempMount m = TempMount.mount(List.of(o), tmp)) {
      assertThat(Files.readString(m.path().resolve("file-0"))).isEqualTo("0");
      assertThat(Files.readString(m.path().resolve("file-149"))).isEqualTo("149");
      assertThatThrownBy(() -> Files.writeString(m.path().resolve("x"), "x"))
          .isInstanceOf(FileSystemException.class);
    }
  }

  @Test
  void knowsWhichKernelsTakeLowerdirPlus() {
    assertThat(Mounter.kernelAtLeast("6.18.44-fc-v1252", 6, 8)).isTrue();
    assertThat(Mounter.kernelAtLeast("6.8.0", 6, 8)).isTrue();
    assertThat(Mounter.kernelAtLeast("6.7.12", 6, 8)).isFalse();
    assertThat(Mounter.kernelAtLeast("5.15.0-91-generic", 6, 8)).isFalse();
    assertThat(Mounter.kernelAtLeast("7.0", 6, 8)).isTrue();
  }

  @Test
  void unmountAllOfUnmountedDirectoryIsQuiet() throws IOException {
    Mounter.unmountAll(tmp);

    assertThat(Files.isDirectory(tmp)).isTrue();
  }

  @Test
  void failedMountLeavesNoDirectory() throws IOException {
    Path parent = Files.createDirectories(tmp.resolve("p"));
    BindMount missing = new BindMount(tmp.resolve("does-not-exist"), false);

    assertThatThrownBy(() -> TempMount.mount(List.of(missing), parent))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(AccessDeniedException.class);

    try (var s = Files.list(parent)) {
      assertThat(s).isEmpty();
    }
  }
}
