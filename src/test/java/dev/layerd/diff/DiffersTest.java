package dev.layerd.diff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.archive.WhiteoutMode;
import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OtherMount;
import dev.layerd.mount.OverlayMount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiffersTest {
  private static final byte[] LAYER =
      "pretend this is a tar stream".getBytes(StandardCharsets.UTF_8);

  private final MemoryProvider provider = new MemoryProvider();
  private final RecordingTar tar = new RecordingTar();
  private final Descriptor layer = provider.put(MediaTypes.OCI_LAYER_GZIP, LAYER);

  @TempDir Path dir;

  private WalkingDiffer walking() {
    return new WalkingDiffer(provider, tar, DifferOptions.defaults());
  }

  private OverlayDiffer overlay() {
    return new OverlayDiffer(provider, tar, DifferOptions.defaults());
  }

  private List<Mount> bind() {
    return List.of(new BindMount(dir, false));
  }

  @Test
  void walkingAppliesStraightIntoSingleBindSource() throws IOException {
    Descriptor applied = walking().apply(layer, bind(), ApplyOptions.defaults());

    assertThat(tar.root).isEqualTo(dir);
    assertThat(tar.options.whiteoutMode()).isEqualTo(WhiteoutMode.DELETE);
    assertThat(tar.options.layerName()).isEqualTo(layer.digest().toString());
    assertThat(tar.options.mediaType()).isEqualTo(MediaTypes.OCI_LAYER_GZIP);
    assertThat(applied)
        .isEqualTo(new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(LAYER), LAYER.length));
  }

  @Test
  void walkingRefusesParallel() {
    assertThatThrownBy(
            () -> walking().apply(layer, bind(), ApplyOptions.defaults().withParallel(true)))
        .isInstanceOf(NotImplementedException.class)
        .hasMessage("walking differ needs the lower layers present; it cannot apply in parallel");
    assertThat(tar.calls).isZero();
  }

  @Test
  void walkingRefusesUnknownMountTypeAndReadOnlyTarget() {
    List<Mount> tmpfs = List.of(new OtherMount("tmpfs", "tmpfs", List.of()));
    assertThatThrownBy(() -> walking().apply(layer, tmpfs, ApplyOptions.defaults()))
        .isInstanceOf(NotImplementedException.class)
        .hasMessageContaining("tmpfs");
    List<Mount> ro = List.of(new BindMount(dir, true));
    assertThatThrownBy(() -> walking().apply(layer, ro, ApplyOptions.defaults()))
        .isInstanceOf(NotImplementedException.class)
        .hasMessageContaining("read-only");
  }

  @Test
  void walkingRejectsNoMounts() {
    assertThatThrownBy(() -> walking().apply(layer, List.of(), ApplyOptions.defaults()))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void overlayAppliesIntoBindSourceWithoutParents() throws IOException {
    overlay().apply(layer, bind(), ApplyOptions.defaults().withParallel(true));

    assertThat(tar.root).isEqualTo(dir);
    assertThat(tar.options.whiteoutMode()).isEqualTo(WhiteoutMode.OVERLAY);
    assertThat(tar.options.parents()).isEmpty();
    assertThat(tar.options.userXattr()).isFalse();
  }

  @Test
  void overlayAppliesIntoUpperdirWithLowerdirsAsParents() throws IOException {
    Path l1 = dir.resolve("l1");
    Path l2 = dir.resolve("l2");
    OverlayMount m =
        new OverlayMount(
            List.of(l1, l2), dir.resolve("up"), dir.resolve("work"), List.of("userxattr"));

    overlay().apply(layer, List.of(m), ApplyOptions.defaults());

    assertThat(tar.root).isEqualTo(dir.resolve("up"));
    assertThat(tar.options.parents()).containsExactly(l1, l2);
    assertThat(tar.options.userXattr()).isTrue();
    assertThat(tar.options.whiteoutMode()).isEqualTo(WhiteoutMode.OVERLAY);
  }

  @Test
  void overlayDeclinesWhatItCannotWriteInto() {
    List<List<Mount>> refused =
        List.of(
            List.of(new OverlayMount(List.of(dir), null, null, List.of())),
            List.of(new BindMount(dir, true)),
            List.of(new OtherMount("tmpfs", "tmpfs", List.of())),
            List.of(new BindMount(dir, false), new BindMount(dir, false)),
            List.of());
    for (List<Mount> mounts : refused) {
      assertThatThrownBy(() -> overlay().apply(layer, mounts, ApplyOptions.defaults()))
          .as("mounts %s", mounts)
          .isInstanceOf(NotImplementedException.class);
    }
    assertThat(tar.calls).isZero();
  }

  @Test
  void bothDeclinePayloads() {
    ApplyOptions withPayload =
        new ApplyOptions(false, false, null, Map.of("x", new Payload("t", new byte[0])));
    for (Applier a : List.<Applier>of(walking(), overlay())) {
      assertThatThrownBy(() -> a.apply(layer, bind(), withPayload))
          .isInstanceOf(NotImplementedException.class)
          .hasMessageContaining("payloads");
    }
  }

  @Test
  void progressReportsZeroAndFinalCompressedSize() throws IOException {
    List<Long> seen = new ArrayList<>();

    overlay().apply(layer, bind(), ApplyOptions.defaults().withProgress(seen::add));

    assertThat(seen).startsWith(0L).endsWith((long) LAYER.length);
  }

  @Test
  void detectsDigestMismatch() {
    byte[] evil = "pretend this is a tar streaX".getBytes(StandardCharsets.UTF_8);
    provider.corrupt(layer.digest(), evil);

    assertThatThrownBy(() -> overlay().apply(layer, bind(), ApplyOptions.defaults()))
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(layer.digest().toString());
              assertThat(e.actual()).isEqualTo(Digest.sha256(evil).toString());
              assertThat(e.source()).contains(layer.digest().toString());
            });
  }

  @Test
  void detectsBlobLongerOrShorterThanDescribed() {
    provider.corrupt(layer.digest(), new byte[LAYER.length + 1]);
    assertThatThrownBy(() -> overlay().apply(layer, bind(), ApplyOptions.defaults()))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("more than " + LAYER.length + " bytes");

    provider.corrupt(layer.digest(), new byte[3]);
    assertThatThrownBy(() -> overlay().apply(layer, bind(), ApplyOptions.defaults()))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("3 bytes");
  }

  @Test
  void reportsMismatchRatherThanTheTarErrorItCaused() {
    provider.corrupt(layer.digest(), "garbage garbage garbage garbage!".getBytes());
    OverlayDiffer d = new OverlayDiffer(provider, new RecordingTar(5), DifferOptions.defaults());

    assertThatThrownBy(() -> d.apply(layer, bind(), ApplyOptions.defaults()))
        .isInstanceOf(DigestMismatchException.class)
        .satisfies(e -> assertThat(e.getSuppressed()[0]).hasMessageContaining("tar header"));
  }

  @Test
  void keepsTheTarErrorForAnIntactBlob() {
    OverlayDiffer d = new OverlayDiffer(provider, new RecordingTar(5), DifferOptions.defaults());

    assertThatThrownBy(() -> d.apply(layer, bind(), ApplyOptions.defaults()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("tar header");
  }

  @Test
  void syncsTheTargetFilesystemWhenAsked() throws IOException {
    Descriptor applied =
        overlay().apply(layer, bind(), ApplyOptions.defaults().withSyncFs(true));

    assertThat(applied.digest()).isEqualTo(Digest.sha256(LAYER));
  }

  @Test
  void failsAtConstructionForBadOptions() {
    assertThatThrownBy(() -> Differs.walking(null))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("content provider");
    assertThatThrownBy(() -> Differs.overlay(null, DifferOptions.defaults()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("content provider");
    assertThatThrownBy(() -> Differs.overlay(provider, null))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> DifferOptions.defaults().withMountRoot(Path.of("rel")))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("absolute");
    assertThatThrownBy(() -> Differs.named("fancy", provider, DifferOptions.defaults()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("fancy");
  }

  @Test
  void namesTheShippedDiffers() {
    assertThat(Differs.named("walking", provider, DifferOptions.defaults()).name())
        .isEqualTo("walking");
    assertThat(Differs.named("overlay", provider, DifferOptions.defaults()).name())
        .isEqualTo("overlay");
  }
}
