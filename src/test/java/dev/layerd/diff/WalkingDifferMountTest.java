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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The walking differ's temporary mounts, with a stand-in archive step that writes one file. */
@RequiresRoot
class WalkingDifferMountTest {
  @TempDir Path dir;

  private final MemoryProvider provider = new MemoryProvider();
  private final Descriptor layer = provider.put(MediaTypes.OCI_LAYER, new byte[] {1, 2, 3});
  private final List<Path> roots = new ArrayList<>();
  private DifferOptions options;
  private OverlayMount overlay;

  @BeforeEach
  void setUp() throws IOException {
    options = DifferOptions.defaults().withMountRoot(dir.resolve("tmpmounts"));
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Files.writeString(lower.resolve("a"), "a");
    overlay =
        new OverlayMount(
            List.of(lower),
            Files.createDirectories(dir.resolve("upper")),
            Files.createDirectories(dir.resolve("work")),
            List.of());
  }

  private TarApplier writing(String name) {
    return (root, in, o) -> {
      roots.add(root);
      byte[] all = in.readAllBytes();
      assertThat(root.resolve("a")).hasContent("a");
      Files.writeString(root.resolve(name), name);
      return new AppliedLayer(Digest.sha256(all), all.length);
    };
  }

  @Test
  void appliesThroughATemporaryMountAndTakesItDown() throws IOException {
    new WalkingDiffer(provider, writing("b"), options)
        .apply(layer, List.of(overlay), ApplyOptions.defaults().withSyncFs(true));

    assertThat(dir.resolve("upper/b")).hasContent("b");
    assertThat(roots.getFirst()).startsWithRaw(options.mountRoot()).doesNotExist();
    assertNothingLeft();
  }

  @Test
  void takesTheMountDownWhenApplyingFails() {
    TarApplier failing =
        (root, in, o) -> {
          in.readAllBytes();
          throw new IOException("bad entry in " + o.layerName());
        };

    assertThatThrownBy(
            () ->
                new WalkingDiffer(provider, failing, options)
                    .apply(layer, List.of(overlay), ApplyOptions.defaults()))
        .hasMessageContaining("bad entry");
    assertNothingLeft();
  }

  @Test
  void leavesNothingWhenAMountFails() {
    Mount missing = new BindMount(dir.resolve("does-not-exist"), false);
    List<Mount> mounts = List.of(overlay, missing);

    assertThatThrownBy(
            () ->
                new WalkingDiffer(provider, writing("b"), options)
                    .apply(layer, mounts, ApplyOptions.defaults()))
        .isInstanceOf(ErrnoException.class);
    assertNothingLeft();
  }

  private void assertNothingLeft() {
    try (Stream<Path> left = Files.list(options.mountRoot())) {
      assertThat(left).isEmpty();
      assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
          .doesNotContain(options.mountRoot().toString());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
