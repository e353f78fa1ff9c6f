package dev.layerd.unpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.layerd.errdefs.ErrorKind;
import dev.layerd.errdefs.FailedPreconditionException;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.oci.Digest;
import dev.layerd.snapshots.Kind;
import dev.layerd.snapshots.SnapshotInfo;
import dev.layerd.testing.FakeContentStore;
import dev.layerd.testing.FakeSnapshotter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class UnpackerTest {
  @TempDir Path tmp;

  private final FakeContentStore store = new FakeContentStore();
  private FakeSnapshotter snapshotter;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(Unpacker.class);

  @BeforeEach
  void setUp() {
    snapshotter = new FakeSnapshotter(tmp.resolve("snapshots"), true);
    logs.start();
    logger.addAppender(logs);
    logger.setLevel(Level.DEBUG);
  }

  @AfterEach
  void tearDown() {
    logger.detachAppender(logs);
    logger.setLevel(null);
  }

  private Unpacker unpacker(FakeApplier applier, List<String> differs) {
    return Unpacker.builder()
        .content(store)
        .snapshotter(snapshotter)
        .applier(applier)
        .differs(differs)
        .lockDir(tmp.resolve("locks"))
        .build();
  }

  private List<String> infoLines() {
    return logs.list.stream()
        .filter(e -> e.getLevel() == Level.INFO)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  private List<SnapshotInfo> active() throws Exception {
    return snapshotter.walk(i -> i.kind() != Kind.COMMITTED);
  }

  @Test
  void commitsInLayerOrderOnThePreviousChainIdWhileApplyingOutOfOrder() throws Exception {
    TestImage img = TestImage.create(store, "order", 4);
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());
    CountDownLatch topApplied = new CountDownLatch(1);
    // The bottom layer finishes only after the top one: commits must still go bottom-up.
    applier.on(
        img.layers().get(0).digest(),
        c -> {
          try {
            topApplied.await();
          } catch (InterruptedException e) {
            throw new java.io.InterruptedIOException();
          }
          return applier.answer(c.layer());
        });
    applier.on(
        img.layers().get(3).digest(),
        c -> {
          topApplied.countDown();
          return applier.answer(c.layer());
        });

    UnpackResult r =
        unpacker(applier, List.of("walking", "overlay"))
            .unpack("order", img.manifest(), UnpackOptions.defaults().withMaxConcurrentUnpacks(4));

    assertThat(r.mode()).isEqualTo(UnpackMode.PARALLEL);
    assertThat(snapshotter.commits())
        .containsExactly(
            img.chain(0) + "<-",
            img.chain(1) + "<-" + img.chain(0),
            img.chain(2) + "<-" + img.chain(1),
            img.chain(3) + "<-" + img.chain(2));
    assertThat(applier.calls()).allMatch(FakeApplier.Call::parallel);
    assertThat(r.chainId()).isEqualTo(img.chainIds().get(3));
    assertThat(active()).isEmpty();
  }

  @Test
  void labelsSnapshotsBlobsAndConfigAsContainerdDoes() throws Exception {
    TestImage img = TestImage.create(store, "labels", 2);
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());

    unpacker(applier, List.of("overlay"))
        .unpack("labels", img.manifest(), UnpackOptions.defaults());

    assertThat(snapshotter.stat(img.chain(1)).labels())
        .containsEntry("containerd.io/snapshot.ref", img.chain(1))
        .containsEntry("containerd.io/snapshot/diff-id", img.diffIds().get(1).toString())
        .containsEntry("containerd.io/snapshot/parent-chain-id", img.chain(0));
    assertThat(store.labels(img.layers().get(0).digest()))
        .containsEntry("containerd.io/uncompressed", img.diffIds().get(0).toString());
    assertThat(store.labels(img.config().digest()))
        .containsEntry("containerd.io/gc.ref.snapshot.overlayfs", img.chain(1));
    assertThat(applier.calls().getFirst().mounts().getFirst().type()).isEqualTo("bind");
  }

  @Test
  void skipsLayersWhoseChainIdIsCommitted() throws Exception {
    TestImage img = TestImage.create(store, "skip", 4);
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());
    Unpacker u = unpacker(applier, List.of("overlay"));
    u.unpack("skip", img.manifest(), UnpackOptions.defaults().withSequential(true));
    snapshotter.remove(img.chain(3));
    snapshotter.remove(img.chain(2));
    int before = applier.calls().size();

    UnpackResult r = u.unpack("skip", img.manifest(), UnpackOptions.defaults());

    assertThat(r.layers())
        .extracting(LayerResult::state)
        .containsExactly(
            LayerState.SKIPPED, LayerState.SKIPPED, LayerState.COMMITTED, LayerState.COMMITTED);
    assertThat(applier.calls().subList(before, applier.calls().size()))
        .extracting(c -> c.layer().digest())
        .containsExactlyInAnyOrder(img.layers().get(2).digest(), img.layers().get(3).digest());
    assertThat(r.applied()).isEqualTo(2);
    assertThat(r.skipped()).isEqualTo(2);
  }

  @Test
  void failureRemovesActiveSnapshotsKeepsCommittedOnesAndNamesTheLayer() throws Exception {
    TestImage img = TestImage.create(store, "abort", 4);
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());
    Digest bad = img.layers().get(2).digest();
    applier.on(
        bad,
        c -> {
          throw new InvalidArgumentException("tar entry ../../etc/passwd escapes the root");
        });
    CountDownLatch failed = new CountDownLatch(1);
    applier.on(
        img.layers().get(3).digest(),
        c -> {
          failed.countDown();
          return applier.answer(c.layer());
        });

    assertThatThrownBy(
            () ->
                unpacker(applier, List.of("overlay"))
                    .unpack(
                        "abort",
                        img.manifest(),
                        UnpackOptions.defaults().withMaxConcurrentUnpacks(4)))
        .isInstanceOfSatisfying(
            UnpackException.class,
            e -> {
              assertThat(e.layerIndex()).isEqualTo(2);
              assertThat(e.layerDigest()).isEqualTo(bad);
              assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("layer 2", bad.toString(), "abort", "etc/passwd");
            });

    assertThat(active()).isEmpty();
    for (SnapshotInfo i : snapshotter.walk(i -> true)) {
      assertThat(i.name()).isIn(img.chain(0), img.chain(1));
    }
    assertThat(store.labels(img.config().digest())).isEmpty();
  }

  @Test
  void rejectsAConfigThatLiesAboutADiffId() throws Exception {
    Digest lie = Digest.sha256("not the layer".getBytes(StandardCharsets.UTF_8));
    TestImage img = TestImage.create(store, "lie", 3, Map.of(1, lie));
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());

    assertThatThrownBy(
            () ->
                unpacker(applier, List.of("overlay"))
                    .unpack("lie", img.manifest(), UnpackOptions.defaults()))
        .isInstanceOfSatisfying(
            UnpackException.class,
            e -> {
              assertThat(e.layerIndex()).isEqualTo(1);
              assertThat(e.kind()).isEqualTo(ErrorKind.DATA_LOSS);
              assertThat(e.getCause()).isInstanceOf(DiffIdMismatchException.class);
              assertThat(e.getMessage())
                  .contains(
                      "layer 1",
                      img.layers().get(1).digest().toString(),
                      lie.toString(),
                      img.diffIds().get(1).toString());
            });
    assertThat(active()).isEmpty();
    assertThat(snapshotter.commits()).containsExactly(img.chain(0) + "<-");
  }

  @Test
  void reportsABlobMissingFromTheStore() throws Exception {
    TestImage img = TestImage.create(store, "missing", 3);
    Digest gone = img.layers().get(1).digest();
    store.delete(gone);
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());

    assertThatThrownBy(
            () ->
                unpacker(applier, List.of("overlay"))
                    .unpack(
                        "missing", img.manifest(), UnpackOptions.defaults().withSequential(true)))
        .isInstanceOfSatisfying(
            UnpackException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND);
              assertThat(e.layerIndex()).isEqualTo(1);
              assertThat(e.getMessage()).contains(gone.toString());
            });
    assertThat(active()).isEmpty();
    assertThat(applier.calls()).hasSize(1);
  }

  @Test
  void twoConcurrentUnpacksOfOneImageBothSucceedAndApplyEachLayerOnce() throws Exception {
    TestImage img = TestImage.create(store, "race", 5);
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());
    CountDownLatch start = new CountDownLatch(1);
    List<UnpackResult> results = Collections.synchronizedList(new ArrayList<>());
    try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
      List<Future<?>> f = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        // Two unpackers on one lock directory, as two processes on one root would be.
        Unpacker u = unpacker(applier, List.of("overlay"));
        f.add(
            ex.submit(
                () -> {
                  start.await();
                  results.add(u.unpack("race", img.manifest(), UnpackOptions.defaults()));
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> x : f) {
        x.get();
      }
    }

    assertThat(results).hasSize(2).allMatch(r -> r.chainId().equals(img.chainIds().get(4)));
    assertThat(applier.calls()).hasSize(5);
    assertThat(results.stream().mapToLong(UnpackResult::applied).sum()).isEqualTo(5);
    assertThat(snapshotter.commits()).hasSize(5);
  }

  @Test
  void unpacksSequentiallyAndSaysWhyWhenOnlyWalkingIsConfigured() throws Exception {
    TestImage img = TestImage.create(store, "walking", 3);
    FakeApplier applier = new FakeApplier("walking", img.diffIdByLayer());

    UnpackResult r =
        unpacker(applier, List.of("walking"))
            .unpack("walking", img.manifest(), UnpackOptions.defaults());

    assertThat(r.mode()).isEqualTo(UnpackMode.SEQUENTIAL);
    assertThat(r.modeReason()).contains("walking");
    assertThat(infoLines()).anyMatch(l -> l.contains("sequentially") && l.contains("walking"));
    assertThat(applier.calls()).noneMatch(FakeApplier.Call::parallel);
    assertThat(applier.calls().get(1).mounts().getFirst().type()).isEqualTo("overlay");
    assertThat(snapshotter.commits())
        .containsExactly(
            img.chain(0) + "<-",
            img.chain(1) + "<-" + img.chain(0),
            img.chain(2) + "<-" + img.chain(1));
  }

  @Test
  void unpacksSequentiallyWhenTheSnapshotterCannotRebase() throws Exception {
    snapshotter = new FakeSnapshotter(tmp.resolve("norebase"), false);
    TestImage img = TestImage.create(store, "norebase", 2);
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());

    UnpackResult r =
        unpacker(applier, List.of("overlay"))
            .unpack("norebase", img.manifest(), UnpackOptions.defaults());

    assertThat(r.mode()).isEqualTo(UnpackMode.SEQUENTIAL);
    assertThat(r.modeReason()).contains("cannot rebase");
    assertThat(infoLines()).anyMatch(l -> l.contains("cannot rebase"));
  }

  @Test
  void reappliesOnTheParentChainWhenNoDifferTakesParallelWork() throws Exception {
    TestImage img = TestImage.create(store, "notimpl", 3);
    FakeApplier applier = new FakeApplier("walking", img.diffIdByLayer());
    for (var l : img.layers()) {
      applier.on(
          l.digest(),
          c -> {
            if (c.parallel()) {
              throw new NotImplementedException("walking: parallel apply is not implemented");
            }
            return applier.answer(c.layer());
          });
    }

    UnpackResult r =
        unpacker(applier, List.of("walking", "overlay"))
            .unpack("notimpl", img.manifest(), UnpackOptions.defaults());

    assertThat(r.layers()).allMatch(LayerResult::reappliedSequentially);
    assertThat(infoLines())
        .anyMatch(l -> l.contains("applied again") && l.contains("not implemented"));
    assertThat(snapshotter.commits())
        .containsExactly(
            img.chain(0) + "<-",
            img.chain(1) + "<-" + img.chain(0),
            img.chain(2) + "<-" + img.chain(1));
    assertThat(active()).isEmpty();
  }

  @Test
  void reappliesALayerWhoseHardlinkTargetIsInALowerLayer() throws Exception {
    TestImage img = TestImage.create(store, "hardlink", 3);
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());
    applier.on(
        img.layers().get(2).digest(),
        c -> {
          if (c.parallel()) {
            throw new FailedPreconditionException(
                "hardlink usr/bin/b: target usr/bin/a is in a lower layer");
          }
          assertThat(c.mounts().getFirst().type()).isEqualTo("overlay");
          return applier.answer(c.layer());
        });

    UnpackResult r =
        unpacker(applier, List.of("overlay"))
            .unpack("hardlink", img.manifest(), UnpackOptions.defaults());

    assertThat(r.mode()).isEqualTo(UnpackMode.PARALLEL);
    assertThat(r.layers())
        .extracting(LayerResult::reappliedSequentially)
        .containsExactly(false, false, true);
    assertThat(infoLines()).anyMatch(l -> l.contains("layer 2") && l.contains("usr/bin/a"));
    assertThat(snapshotter.commits()).last().isEqualTo(img.chain(2) + "<-" + img.chain(1));
    assertThat(active()).isEmpty();
  }

  @Test
  void discardsLayerBlobsNothingElseNeeds() throws Exception {
    TestImage img = TestImage.create(store, "discard", 3);
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());
    Digest shared = img.layers().get(1).digest();
    Unpacker u =
        Unpacker.builder()
            .content(store)
            .snapshotter(snapshotter)
            .applier(applier)
            .blobInUse(shared::equals)
            .build();

    UnpackResult r =
        u.unpack("discard", img.manifest(), UnpackOptions.defaults().withDiscardLayers(true));

    assertThat(r.discarded())
        .containsExactlyInAnyOrder(img.layers().get(0).digest(), img.layers().get(2).digest());
    assertThat(store.exists(img.layers().get(0).digest())).isFalse();
    assertThat(store.exists(shared)).isTrue();
    assertThat(store.exists(img.config().digest())).isTrue();
  }

  @Test
  void reportsEveryLayerFromWaitingToItsFinalState() throws Exception {
    TestImage img = TestImage.create(store, "progress", 3);
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());
    List<LayerProgress> seen = Collections.synchronizedList(new ArrayList<>());

    unpacker(applier, List.of("overlay"))
        .unpack("progress", img.manifest(), UnpackOptions.defaults().withProgress(seen::add));

    for (int i = 0; i < 3; i++) {
      int idx = i;
      List<LayerProgress> mine = seen.stream().filter(p -> p.index() == idx).toList();
      assertThat(mine.getFirst().state()).isEqualTo(LayerState.WAITING);
      assertThat(mine)
          .extracting(LayerProgress::state)
          .contains(LayerState.APPLYING, LayerState.VERIFYING);
      assertThat(mine.getLast().state()).isEqualTo(LayerState.COMMITTED);
      assertThat(mine.getLast().bytesRead()).isEqualTo(img.layers().get(i).size());
    }
  }

  @Test
  void logsOneInfoLinePerImage() throws Exception {
    TestImage img = TestImage.create(store, "logs", 2);
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());

    unpacker(applier, List.of("overlay")).unpack("logs", img.manifest(), UnpackOptions.defaults());

    assertThat(infoLines())
        .singleElement()
        .asString()
        .contains("logs", "2 layers", "2 applied", "0 skipped", "parallel");
    assertThat(
            logs.list.stream()
                .filter(e -> e.getLevel() == Level.DEBUG)
                .map(ILoggingEvent::getFormattedMessage))
        .anyMatch(
            l ->
                l.contains(img.layers().get(1).digest().toString())
                    && l.contains("application/vnd.oci.image.layer.v1.tar+gzip"));
  }

  @Test
  void rejectsAManifestAndConfigThatDisagreeOnTheLayerCount() throws Exception {
    TestImage img = TestImage.create(store, "count", 2);
    var m = new dev.layerd.oci.Manifest(2, null, img.config(), img.layers().subList(0, 1), null);
    var desc =
        store.put("application/vnd.oci.image.manifest.v1+json", dev.layerd.oci.Json.write(m));
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());

    assertThatThrownBy(
            () ->
                unpacker(applier, List.of("overlay"))
                    .unpack("count", desc, UnpackOptions.defaults()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("1 layers")
        .hasMessageContaining("2 diff_ids");
  }

  @Test
  void removesExtractionSnapshotsAnInterruptedUnpackLeft() throws Exception {
    TestImage img = TestImage.create(store, "leftover", 2);
    snapshotter.prepare("extract-dead " + img.chain(0), "", Map.of());
    FakeApplier applier = new FakeApplier("overlay", img.diffIdByLayer());

    unpacker(applier, List.of("overlay"))
        .unpack("leftover", img.manifest(), UnpackOptions.defaults());

    assertThat(active()).isEmpty();
    assertThat(snapshotter.commits()).hasSize(2);
  }
}
