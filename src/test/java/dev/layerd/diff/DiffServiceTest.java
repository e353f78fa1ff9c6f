package dev.layerd.diff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OtherMount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiffServiceTest {
  private static final Descriptor LAYER =
      new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(new byte[] {1}), 1);
  private static final Descriptor APPLIED =
      new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(new byte[] {2}), 2);

  @TempDir Path dir;

  private final List<String> calls = new ArrayList<>();

  /** A differ that records its call, then declines, fails, or succeeds. */
  private Applier differ(String name, RuntimeException failure) {
    return new Applier() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Descriptor apply(Descriptor layer, List<Mount> mounts, ApplyOptions options) {
        String flags =
            (options.parallel() ? "(parallel)" : "") + (options.syncFs() ? "(sync)" : "");
        calls.add(name + flags);
        if (failure != null) {
          throw failure;
        }
        return APPLIED;
      }
    };
  }

  private List<Mount> bind() {
    return List.of(new BindMount(dir, false));
  }

  @Test
  void stopsAtTheFirstDifferThatApplies() throws Exception {
    DiffService s = new DiffService(List.of(differ("a", null), differ("b", null)), List.of());

    assertThat(s.apply(LAYER, bind(), ApplyOptions.defaults())).isEqualTo(APPLIED);
    assertThat(calls).containsExactly("a");
  }

  @Test
  void movesOnWhenADifferDeclinesAndPassesParallelThrough() throws Exception {
    DiffService s =
        new DiffService(
            List.of(differ("a", new NotImplementedException("no")), differ("b", null)),
            List.of());

    assertThat(s.apply(LAYER, bind(), ApplyOptions.defaults().withParallel(true)))
        .isEqualTo(APPLIED);
    assertThat(calls).containsExactly("a(parallel)", "b(parallel)");
  }

  @Test
  void syncsEveryLayerWhenConfiguredTo() throws Exception {
    DiffService s = new DiffService(List.of(differ("a", null)), List.of()).withSyncFs(true);

    s.apply(LAYER, bind(), ApplyOptions.defaults());

    assertThat(calls).containsExactly("a(sync)");
    assertThat(s.order()).containsExactly("a");
  }

  @Test
  void stopsAtAnyOtherFailure() {
    NotFoundException missing = new NotFoundException("blob missing");
    DiffService s = new DiffService(List.of(differ("a", missing), differ("b", null)), List.of());

    assertThatThrownBy(() -> s.apply(LAYER, bind(), ApplyOptions.defaults())).isSameAs(missing);
    assertThat(calls).containsExactly("a");
  }

  @Test
  void listsEveryReasonWhenAllDecline() {
    DiffService s =
        new DiffService(
            List.of(
                differ("a", new NotImplementedException("reason one")),
                differ("b", new NotImplementedException("reason two"))),
            List.of());

    assertThatThrownBy(() -> s.apply(LAYER, bind(), ApplyOptions.defaults()))
        .isInstanceOf(NotImplementedException.class)
        .hasMessageContaining(LAYER.digest().toString())
        .hasMessageContaining("a: reason one")
        .hasMessageContaining("b: reason two");
  }

  @Test
  void fallsThroughToOverlayForParallelApply() throws Exception {
    MemoryProvider provider = new MemoryProvider();
    Descriptor layer = provider.put(MediaTypes.OCI_LAYER, new byte[] {7, 7});
    RecordingTar tar = new RecordingTar();
    DiffService s =
        new DiffService(
            List.of(
                new WalkingDiffer(provider, tar, DifferOptions.defaults()),
                new OverlayDiffer(provider, tar, DifferOptions.defaults())),
            List.of());

    s.apply(layer, bind(), ApplyOptions.defaults().withParallel(true));

    assertThat(tar.options.whiteoutMode()).isEqualTo(dev.layerd.archive.WhiteoutMode.OVERLAY);
    assertThat(tar.calls).isEqualTo(1);
  }

  @Test
  void reportsBothDiffersReasonsForAnUnknownMountType() {
    MemoryProvider provider = new MemoryProvider();
    Descriptor layer = provider.put(MediaTypes.OCI_LAYER, new byte[] {7});
    DiffService s =
        DiffService.create(provider, DifferOptions.defaults(), DiffService.DEFAULT_ORDER);
    List<Mount> tmpfs = List.of(new OtherMount("tmpfs", "none", List.of("size=1m")));

    assertThatThrownBy(() -> s.apply(layer, tmpfs, ApplyOptions.defaults()))
        .isInstanceOf(NotImplementedException.class)
        .hasMessageContaining("walking: walking differ cannot mount type tmpfs")
        .hasMessageContaining("overlay: overlay differ cannot apply onto mount type tmpfs")
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
  }

  @Test
  void buildsTheDefaultOrder() {
    DiffService s =
        DiffService.create(
            new MemoryProvider(), DifferOptions.defaults(), DiffService.DEFAULT_ORDER);

    assertThat(s.order()).containsExactly("walking", "overlay");
  }

  @Test
  void rejectsUnknownAndDuplicateDiffers() {
    assertThatThrownBy(
            () ->
                DiffService.create(
                    new MemoryProvider(), DifferOptions.defaults(), List.of("walking", "zfs")))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("zfs");
    assertThatThrownBy(() -> DiffService.of(Map.of("a", differ("a", null)), List.of("b")))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("unknown differ b");
    List<Applier> twice = List.of(differ("a", null), differ("a", null));
    assertThatThrownBy(() -> new DiffService(twice, List.of()))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> new DiffService(List.of(), List.of()))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void compareDeclinesWithoutComparers() {
    DiffService s = new DiffService(List.of(differ("a", null)), List.of());

    assertThatThrownBy(() -> s.compare(bind(), bind(), DiffOptions.defaults()))
        .isInstanceOf(NotImplementedException.class);
  }

  @Test
  void compareUsesTheFirstComparerThatDoesNotDecline() throws Exception {
    Comparer no = (l, u, o) -> {
      throw new NotImplementedException("no");
    };
    Comparer yes = (l, u, o) -> APPLIED;
    DiffService s = new DiffService(List.of(differ("a", null)), List.of(no, yes));

    assertThat(s.compare(bind(), bind(), DiffOptions.defaults())).isEqualTo(APPLIED);
  }
}
