package dev.layerd.diff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.archive.ArchiveOptions;
import dev.layerd.archive.Archives;
import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.linux.MountCalls;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OtherMount;
import dev.layerd.mount.OverlayMount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.testing.RequiresRoot;
import dev.layerd.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped differs over the real archive step, real mounts and a real filesystem. */
@RequiresRoot
class DifferApplyTest {
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;

  @TempDir Path dir;

  private final MemoryProvider provider = new MemoryProvider();
  private Path mountRoot;
  private DifferOptions options;

  @BeforeEach
  void setUp() throws IOException {
    mountRoot = Files.createDirectories(dir.resolve("tmpmounts"));
    options = DifferOptions.defaults().withMountRoot(mountRoot);
  }

  @Test
  void walkingAppliesIntoBindSourceAndDeletesWhitedOutFiles() throws IOException {
    assumeArchiveApplies();
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.writeString(root.resolve("old"), "old");
    byte[] tar =
        new LayerTar().dir("etc").file("etc/hosts", "127.0.0.1 x\n").whiteout("", "old").tar();
    Descriptor layer = provider.put(MediaTypes.OCI_LAYER_GZIP, LayerTar.gzip(tar));

    Descriptor applied =
        Differs.walking(provider, options)
            .apply(layer, List.of(new BindMount(root, false)), ApplyOptions.defaults());

    assertThat(applied)
        .isEqualTo(new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(tar), tar.length));
    assertThat(root.resolve("etc/hosts")).hasContent("127.0.0.1 x");
    assertThat(root.resolve("old")).doesNotExist();
    assertThat(root.resolve(".wh.old")).doesNotExist();
  }

  @Test
  void walkingAppliesThroughATemporaryOverlayMount() throws IOException {
    assumeArchiveApplies();
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Files.writeString(lower.resolve("a"), "a");
    Files.writeString(lower.resolve("keep"), "keep");
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Path work = Files.createDirectories(dir.resolve("work"));
    byte[] tar = new LayerTar().file("b", "b").whiteout("", "a").tar();
    Descriptor layer = provider.put(MediaTypes.OCI_LAYER, tar);
    Mount m = new OverlayMount(List.of(lower), upper, work, List.of());

    Differs.walking(provider, options).apply(layer, List.of(m), ApplyOptions.defaults());

    assertThat(upper.resolve("b")).hasContent("b");
    assertThat(isWhiteout(upper.resolve("a"))).isTrue();
    assertThat(upper.resolve("keep")).doesNotExist();
    assertThat(mountInfo()).doesNotContain(mountRoot.toString());
    try (Stream<Path> left = Files.list(mountRoot)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void overlayWritesWhiteoutDevicesAndOpaqueXattrIntoBindSource() throws IOException {
    assumeArchiveApplies();
    Path root = Files.createDirectories(dir.resolve("layer"));
    byte[] tar =
        new LayerTar().whiteout("", "gone").dir("d").opaque("d").file("d/new", "n").tar();
    Descriptor layer = provider.put(MediaTypes.OCI_LAYER_GZIP, LayerTar.gzip(tar));

    Descriptor applied =
        Differs.overlay(provider, options)
            .apply(
                layer,
                List.of(new BindMount(root, false)),
                ApplyOptions.defaults().withParallel(true));

    assertThat(applied.digest()).isEqualTo(Digest.sha256(tar));
    assertThat(isWhiteout(root.resolve("gone"))).isTrue();
    assertThat(xattr(root.resolve("d"), "trusted.overlay.opaque")).isEqualTo("y");
    assertThat(root.resolve("d/new")).hasContent("n");
    assertThat(root.resolve(".wh.gone")).doesNotExist();
    assertThat(root.resolve("d/.wh..wh..opq")).doesNotExist();
  }

  @Test
  void overlayWritesIntoUpperdirAndTheKernelAgrees() throws IOException {
    assumeArchiveApplies();
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Files.createDirectories(lower.resolve("x"));
    Files.writeString(lower.resolve("x/old"), "old");
    Files.writeString(lower.resolve("gone"), "gone");
    Files.writeString(lower.resolve("kept"), "kept");
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Path work = Files.createDirectories(dir.resolve("work"));
    byte[] tar =
        new LayerTar().whiteout("", "gone").dir("x").opaque("x").file("x/new", "new").tar();
    Descriptor layer = provider.put(MediaTypes.OCI_LAYER, tar);
    OverlayMount m = new OverlayMount(List.of(lower), upper, work, List.of());

    Differs.overlay(provider, options).apply(layer, List.of(m), ApplyOptions.defaults());

    assertThat(isWhiteout(upper.resolve("gone"))).isTrue();
    assertThat(xattr(upper.resolve("x"), "trusted.overlay.opaque")).isEqualTo("y");
    Path merged = Files.createDirectories(dir.resolve("merged"));
    MountCalls.mount("overlay", merged, "overlay", 0, String.join(",", m.options()));
    try {
      assertThat(merged.resolve("gone")).doesNotExist();
      assertThat(merged.resolve("kept")).hasContent("kept");
      assertThat(merged.resolve("x/old")).doesNotExist();
      assertThat(merged.resolve("x/new")).hasContent("new");
    } finally {
      MountCalls.unmount(merged, 0);
    }
  }

  @Test
  void walkingRefusesParallelAndTheServiceFallsThroughToOverlay() throws IOException {
    assumeArchiveApplies();
    Path root = Files.createDirectories(dir.resolve("layer"));
    byte[] tar = new LayerTar().whiteout("", "gone").file("f", "f").tar();
    Descriptor layer = provider.put(MediaTypes.OCI_LAYER, tar);
    List<Mount> bind = List.of(new BindMount(root, false));
    ApplyOptions parallel = ApplyOptions.defaults().withParallel(true);

    assertThatThrownBy(() -> Differs.walking(provider, options).apply(layer, bind, parallel))
        .isInstanceOf(NotImplementedException.class)
        .hasMessageContaining("cannot apply in parallel");
    DiffService.create(provider, options, DiffService.DEFAULT_ORDER).apply(layer, bind, parallel);

    // The overlay differ's mark: a whiteout device, not a deletion.
    assertThat(isWhiteout(root.resolve("gone"))).isTrue();
    assertThat(root.resolve("f")).hasContent("f");
  }

  @Test
  void detectsDigestMismatchOfTheStoredBlob() throws IOException {
    assumeArchiveApplies();
    Path root = Files.createDirectories(dir.resolve("layer"));
    byte[] tar = new LayerTar().file("f", "good").tar();
    Descriptor layer = provider.put(MediaTypes.OCI_LAYER, tar);
    provider.corrupt(layer.digest(), new LayerTar().file("f", "evil").tar());

    assertThatThrownBy(
            () ->
                Differs.overlay(provider, options)
                    .apply(layer, List.of(new BindMount(root, false)), ApplyOptions.defaults()))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining(layer.digest().toString());
  }

  @Test
  void unknownMountTypeIsDeclinedByBothWithBothReasons() {
    Descriptor layer = provider.put(MediaTypes.OCI_LAYER, new LayerTar().tar());
    List<Mount> mounts = List.of(new OtherMount("zfs", "pool/ds", List.of()));

    assertThatThrownBy(
            () ->
                DiffService.create(provider, options, DiffService.DEFAULT_ORDER)
                    .apply(layer, mounts, ApplyOptions.defaults()))
        .isInstanceOf(NotImplementedException.class)
        .hasMessageContaining("walking: walking differ cannot mount type zfs")
        .hasMessageContaining("overlay: overlay differ cannot apply onto mount type zfs");
  }

  @Test
  void syncFsFlushesTheTarget() throws IOException {
    assumeArchiveApplies();
    Path root = Files.createDirectories(dir.resolve("layer"));
    Descriptor layer = provider.put(MediaTypes.OCI_LAYER, new LayerTar().file("f", "f").tar());

    Differs.overlay(provider, options)
        .apply(
            layer,
            List.of(new BindMount(root, false)),
            new ApplyOptions(false, true, null, Map.of()));

    assertThat(root.resolve("f")).hasContent("f");
  }

  private static boolean isWhiteout(Path p) throws IOException {
    Map<String, Object> a =
        Files.readAttributes(p, "unix:mode,rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    return ((int) a.get("mode") & S_IFMT) == S_IFCHR && (long) a.get("rdev") == 0L;
  }

  private static String xattr(Path p, String name) throws IOException {
    Process proc =
        new ProcessBuilder(
                Tools.require("getfattr").toString(),
                "--absolute-names",
                "--only-values",
                "-n",
                name,
                p.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      proc.waitFor();
      return proc.exitValue() == 0 ? out : null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static String mountInfo() throws IOException {
    return Files.readString(Path.of("/proc/self/mountinfo"));
  }

  /** Skips while the archive step is still the placeholder on this branch. */
  private void assumeArchiveApplies() throws IOException {
    Path probe = Files.createDirectories(dir.resolve("probe"));
    try {
      Archives.apply(
          probe, new ByteArrayInputStream(new LayerTar().tar()), ArchiveOptions.defaults());
    } catch (UnsupportedOperationException e) {
      Assumptions.abort("requires archive apply, not merged yet: " + e.getMessage());
    }
  }
}
