package dev.layerd.diff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.archive.AppliedLayer;
import dev.layerd.linux.ErrnoException;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OverlayMount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.testing.RequiresRoot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@RequiresRoot
class TempMountsTest {
  @TempDir Path dir;

  private OverlayMount overlay() throws IOException {
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Files.writeString(lower.resolve("a"), "a");
    return new OverlayMount(
        List.of(lower),
        Files.createDirectories(dir.resolve("upper")),
        Files.createDirectories(dir.resolve("work")),
        List.of());
  }

  @Test
  void mountsOverlayAndRemovesEverythingOnClose() throws IOException {
    Path parent = dir.resolve("tmpmounts");
    Path target;
    try (TempMounts t = TempMounts.mount(List.of(overlay()), parent)) {
      target = t.target();
      assertThat(target.resolve("a")).hasContent("a");
      Files.writeString(target.resolve("b"), "b");
    }

    assertThat(dir.resolve("upper/b")).hasContent("b");
    assertThat(target).doesNotExist();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(parent.toString());
  }

  @Test
  void detachesABusyMountLazily() throws IOException {
    Path parent = dir.resolve("tmpmounts");
    TempMounts t = TempMounts.mount(List.of(overlay()), parent);
    try (InputStream busy = Files.newInputStream(t.target().resolve("a"))) {
      t.close();
      assertThat(busy.readAllBytes()).isEqualTo("a".getBytes());
    }

    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(parent.toString());
    try (Stream<Path> left = Files.list(parent)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void leavesNothingWhenAMountFails() throws IOException {
    Path parent = dir.resolve("tmpmounts");
    Mount missing = new BindMount(dir.resolve("does-not-exist"), false);

    assertThatThrownBy(() -> TempMounts.mount(List.of(missing), parent))
        .isInstanceOf(ErrnoException.class);
    try (Stream<Path> left = Files.list(parent)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void walkingDifferWritesThroughTheMountAndUnmountsOnFailureToo() throws IOException {
    MemoryProvider provider = new MemoryProvider();
    Descriptor layer = provider.put(MediaTypes.OCI_LAYER, new byte[] {1, 2, 3});
    DifferOptions opts = DifferOptions.defaults().withMountRoot(dir.resolve("tmpmounts"));
    TarApplier writing =
        (root, in, o) -> {
          byte[] all = in.readAllBytes();
          Files.writeString(root.resolve("written"), "x");
          return new AppliedLayer(Digest.sha256(all), all.length);
        };
    TarApplier failing =
        (root, in, o) -> {
          in.readAllBytes();
          throw new IOException("bad entry in " + o.layerName());
        };
    List<Mount> mounts = List.of(overlay());

    new WalkingDiffer(provider, writing, opts).apply(layer, mounts, ApplyOptions.defaults());
    assertThatThrownBy(
            () ->
                new WalkingDiffer(provider, failing, opts)
                    .apply(layer, mounts, ApplyOptions.defaults().withSyncFs(true)))
        .hasMessageContaining("bad entry");

    assertThat(dir.resolve("upper/written")).hasContent("x");
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .doesNotContain(dir.resolve("tmpmounts").toString());
  }
}
