package dev.layerd.snapshots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.errdefs.AlreadyExistsException;
import dev.layerd.errdefs.FailedPreconditionException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OtherMount;
import dev.layerd.mount.OverlayMount;
import dev.layerd.mount.TempMount;
import dev.layerd.testing.RequiresRoot;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The behaviour every {@link Snapshotter} owes its callers; one subclass per backend. */
abstract class SnapshotterContractTest {
  @TempDir Path root;
  MetadataDatabase db;
  Snapshotter sn;

  abstract Snapshotter open(Path root, MetadataDatabase db) throws IOException;

  abstract boolean supportsRebase();

  @BeforeEach
  void openStore() throws IOException {
    db = MetadataDatabase.open(root.resolve("metadata.db"));
    sn = open(root, db);
  }

  @AfterEach
  void closeStore() throws IOException {
    sn.close();
    db.close();
  }

  /** The directory an applier writes an active snapshot's changes into. */
  static Path upper(List<Mount> mounts) {
    assertThat(mounts).hasSize(1);
    return switch (mounts.getFirst()) {
      case BindMount b -> b.sourceDir();
      case OverlayMount o -> o.upperDir();
      case OtherMount o -> throw new AssertionError("unexpected mount " + o);
    };
  }

  /** Prepares {@code key} on {@code parent}, writes {@code files}, commits as {@code name}. */
  void layer(String name, String parent, Map<String, String> files) throws IOException {
    String key = "extract-" + name;
    Path dir = upper(sn.prepare(key, parent, Map.of()));
    for (var e : files.entrySet()) {
      Path p = dir.resolve(e.getKey());
      Files.createDirectories(p.getParent());
      Files.writeString(p, e.getValue());
    }
    sn.commit(name, key, Map.of());
  }

  @Test
  void preparesEmptyActiveSnapshot() throws IOException {
    List<Mount> m = sn.prepare("k", "", Map.of());

    SnapshotInfo info = sn.stat("k");
    assertThat(info.kind()).isEqualTo(Kind.ACTIVE);
    assertThat(info.parent()).isEmpty();
    assertThat(m).singleElement().isInstanceOf(BindMount.class);
    assertThat(((BindMount) m.getFirst()).readOnly()).isFalse();
    try (var s = Files.list(upper(m))) {
      assertThat(s).isEmpty();
    }
    assertThat(sn.mounts("k")).isEqualTo(m);
  }

  @Test
  void commitReplacesKeyWithName() throws IOException {
    sn.prepare("k", "", Map.of());

    sn.commit("layer", "k", Map.of());

    assertThat(sn.stat("layer").kind()).isEqualTo(Kind.COMMITTED);
    assertThatThrownBy(() -> sn.stat("k")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> sn.mounts("layer")).isInstanceOf(FailedPreconditionException.class);
  }

  @Test
  void childKeepsParentLink() throws IOException {
    layer("base", "", Map.of("a", "1"));

    sn.prepare("child", "base", Map.of());

    assertThat(sn.stat("child").parent()).isEqualTo("base");
  }

  @Test
  @RequiresRoot
  void filesOfEveryLayerShowThroughTheChain() throws IOException {
    layer("l1", "", Map.of("a", "1", "d/x", "low", "shadowed", "old"));
    layer("l2", "l1", Map.of("b", "2", "shadowed", "new"));

    List<Mount> active = sn.prepare("top", "l2", Map.of());
    try (TempMount m = TempMount.mount(active, root)) {
      assertThat(Files.readString(m.path().resolve("a"))).isEqualTo("1");
      assertThat(Files.readString(m.path().resolve("d/x"))).isEqualTo("low");
      assertThat(Files.readString(m.path().resolve("b"))).isEqualTo("2");
      assertThat(Files.readString(m.path().resolve("shadowed"))).isEqualTo("new");
      Files.writeString(m.path().resolve("c"), "3");
    }
    sn.commit("l3", "top", Map.of());

    try (TempMount m = TempMount.mount(sn.view("v", "l3", Map.of()), root)) {
      assertThat(Files.readString(m.path().resolve("c"))).isEqualTo("3");
      assertThat(Files.readString(m.path().resolve("a"))).isEqualTo("1");
    }
  }

  @Test
  @RequiresRoot
  void viewIsReadOnly() throws IOException {
    layer("l1", "", Map.of("a", "1"));

    List<Mount> view = sn.view("v", "l1", Map.of());

    assertThat(sn.stat("v").kind()).isEqualTo(Kind.VIEW);
    try (TempMount m = TempMount.mount(view, root)) {
      assertThat(Files.readString(m.path().resolve("a"))).isEqualTo("1");
      assertThatThrownBy(() -> Files.writeString(m.path().resolve("b"), "x"))
          .isInstanceOf(FileSystemException.class);
    }
  }

  @Test
  void removingSnapshotWithChildrenFails() throws IOException {
    layer("l1", "", Map.of("a", "1"));
    layer("l2", "l1", Map.of("b", "2"));

    assertThatThrownBy(() -> sn.remove("l1"))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("l1");

    Path dir1 = local().directory("l1");
    Path dir2 = local().directory("l2");
    sn.remove("l2");
    sn.remove("l1");
    sn.close();
    sn = open(root, db);
    assertThat(sn.walk(s -> true)).isEmpty();
    assertThat(dir1).doesNotExist();
    assertThat(dir2).doesNotExist();
  }

  @Test
  void removingViewAndActiveWorks() throws IOException {
    layer("l1", "", Map.of("a", "1"));
    sn.view("v", "l1", Map.of());
    sn.prepare("p", "l1", Map.of());

    sn.remove("v");
    sn.remove("p");
    sn.remove("l1");

    assertThat(sn.walk(s -> true)).isEmpty();
  }

  @Test
  void keysAndNamesAreUnique() throws IOException {
    sn.prepare("k", "", Map.of());
    layer("done", "", Map.of());

    assertThatThrownBy(() -> sn.prepare("k", "", Map.of()))
        .isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> sn.view("done", "", Map.of()))
        .isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> sn.commit("done", "k", Map.of()))
        .isInstanceOf(AlreadyExistsException.class);
    assertThat(sn.stat("k").kind()).isEqualTo(Kind.ACTIVE);
    assertThat(sn.walk(s -> true)).hasSize(2);
  }

  @Test
  void absentKeysAreNotFound() throws IOException {
    assertThatThrownBy(() -> sn.stat("nope")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> sn.remove("nope")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> sn.mounts("nope")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> sn.usage("nope")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> sn.commit("x", "nope", Map.of()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> sn.updateLabels("nope", Map.of()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> sn.prepare("k", "nope", Map.of()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> sn.view("v", "nope", Map.of()))
        .isInstanceOf(NotFoundException.class);

    assertThat(sn.walk(s -> true)).isEmpty();
    try (var s = Files.list(local().snapshotsDir())) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void onlyActiveSnapshotsCommit() throws IOException {
    layer("l1", "", Map.of());
    sn.view("v", "l1", Map.of());

    assertThatThrownBy(() -> sn.commit("x", "v", Map.of()))
        .isInstanceOf(FailedPreconditionException.class);
    assertThatThrownBy(() -> sn.commit("x", "l1", Map.of()))
        .isInstanceOf(FailedPreconditionException.class);
    assertThatThrownBy(() -> sn.stat("x")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void parentMustBeCommitted() throws IOException {
    sn.prepare("active", "", Map.of());
    layer("l1", "", Map.of());
    sn.view("v", "l1", Map.of());

    assertThatThrownBy(() -> sn.prepare("k", "active", Map.of()))
        .isInstanceOf(FailedPreconditionException.class);
    assertThatThrownBy(() -> sn.view("k", "v", Map.of()))
        .isInstanceOf(FailedPreconditionException.class);
    assertThatThrownBy(() -> sn.stat("k")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void labelsAreKeptReplacedAndGivenAtCommit() throws IOException {
    sn.prepare("k", "", Map.of("a", "1", "b", "2"));
    assertThat(sn.stat("k").labels()).isEqualTo(Map.of("a", "1", "b", "2"));

    SnapshotInfo updated = sn.updateLabels("k", Map.of("c", "3"));

    assertThat(updated.labels()).isEqualTo(Map.of("c", "3"));
    assertThat(sn.stat("k").labels()).isEqualTo(Map.of("c", "3"));
    assertThat(updated.updated()).isAfterOrEqualTo(updated.created());
    sn.commit("n", "k", Map.of("containerd.io/snapshot.ref", "sha256:abc"));
    assertThat(sn.stat("n").labels())
        .isEqualTo(Map.of("containerd.io/snapshot.ref", "sha256:abc"));
  }

  @Test
  void walkFiltersAndPutsParentsFirst() throws IOException {
    layer("l1", "", Map.of());
    sn.prepare("extract-2 sha256:2", "l1", Map.of("containerd.io/snapshot.ref", "sha256:2"));
    sn.view("v", "l1", Map.of());
    sn.prepare("solo", "", Map.of());

    assertThat(sn.walk(s -> true).getFirst().name()).isIn("l1", "solo");
    assertThat(names(SnapshotFilters.parse("kind==committed"))).containsExactly("l1");
    assertThat(names(SnapshotFilters.parse("parent==l1")))
        .containsExactlyInAnyOrder("extract-2 sha256:2", "v");
    assertThat(names(SnapshotFilters.parse("labels.\"containerd.io/snapshot.ref\"==sha256:2")))
        .containsExactly("extract-2 sha256:2");
    assertThat(names(SnapshotFilters.parse("name~=^extract-")))
        .containsExactly("extract-2 sha256:2");
    assertThat(names(SnapshotFilters.parse("kind==view", "kind==committed")))
        .containsExactlyInAnyOrder("v", "l1");
    List<String> order = names(s -> true);
    assertThat(order.indexOf("l1")).isLessThan(order.indexOf("v"));
  }

  private List<String> names(java.util.function.Predicate<SnapshotInfo> f) throws IOException {
    return sn.walk(f).stream().map(SnapshotInfo::name).toList();
  }

  @Test
  void usageCountsOwnLayerAndIsKeptAtCommit() throws IOException {
    Path dir = upper(sn.prepare("k", "", Map.of()));
    Files.write(dir.resolve("a"), new byte[1000]);
    Files.write(dir.resolve("b"), new byte[3000]);
    Files.createLink(dir.resolve("c"), dir.resolve("b"));

    Usage active = sn.usage("k");
    sn.commit("n", "k", Map.of());

    assertThat(active.inodes()).isEqualTo(3);
    assertThat(active.size()).isGreaterThanOrEqualTo(4000);
    assertThat(sn.usage("n")).isEqualTo(active);
  }

  @Test
  void commitOntoAnotherParentRebasesOrIsNotImplemented() throws IOException {
    layer("l1", "", Map.of("a", "1"));
    Path dir = upper(sn.prepare("k", "", Map.of()));
    Files.writeString(dir.resolve("b"), "2");

    if (!supportsRebase()) {
      assertThatThrownBy(() -> sn.commit("l2", "k", "l1", Map.of()))
          .isInstanceOf(NotImplementedException.class);
      assertThat(sn.stat("k").kind()).isEqualTo(Kind.ACTIVE);
      sn.commit("l2", "k", "", Map.of());
      assertThat(sn.stat("l2").parent()).isEmpty();
      return;
    }
    assertThat(sn.capabilities()).contains(Capability.REBASE);
    sn.commit("l2", "k", "l1", Map.of());

    assertThat(sn.stat("l2").parent()).isEqualTo("l1");
    assertThatThrownBy(() -> sn.remove("l1")).isInstanceOf(FailedPreconditionException.class);
    assertThatThrownBy(() -> sn.commit("l3", "x", "nope", Map.of()))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  @RequiresRoot
  void rebasedChainShowsBothLayers() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(supportsRebase(), "snapshotter cannot rebase");
    Path d1 = upper(sn.prepare("k1", "", Map.of()));
    Path d2 = upper(sn.prepare("k2", "", Map.of()));
    Files.writeString(d1.resolve("a"), "1");
    Files.writeString(d2.resolve("b"), "2");

    sn.commit("l1", "k1", "", Map.of());
    sn.commit("l2", "k2", "l1", Map.of());

    try (TempMount m = TempMount.mount(sn.view("v", "l2", Map.of()), root)) {
      assertThat(Files.readString(m.path().resolve("a"))).isEqualTo("1");
      assertThat(Files.readString(m.path().resolve("b"))).isEqualTo("2");
    }
  }

  @Test
  @RequiresRoot
  void parallelPreparesCommittedInOrderByRebaseFormOneChain() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(supportsRebase(), "snapshotter cannot rebase");
    int layers = 6;
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<Future<Path>> dirs = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      int n = i;
      dirs.add(pool.submit(() -> {
        Path d = upper(sn.prepare("extract-" + n + " sha256:" + n, "", Map.of()));
        Files.writeString(d.resolve("layer-" + n), Integer.toString(n));
        Files.writeString(d.resolve("top"), Integer.toString(n));
        return d;
      }));
    }
    for (Future<Path> f : dirs) {
      f.get();
    }
    pool.shutdown();

    String parent = "";
    for (int i = 0; i < layers; i++) {
      sn.commit("chain-" + i, "extract-" + i + " sha256:" + i, parent, Map.of());
      parent = "chain-" + i;
    }

    assertThat(names(s -> true)).containsExactly(
        "chain-0", "chain-1", "chain-2", "chain-3", "chain-4", "chain-5");
    try (TempMount m = TempMount.mount(sn.view("v", parent, Map.of()), root)) {
      for (int i = 0; i < layers; i++) {
        assertThat(Files.readString(m.path().resolve("layer-" + i))).isEqualTo("" + i);
      }
      assertThat(Files.readString(m.path().resolve("top"))).isEqualTo("5");
    }
  }

  @Test
  void concurrentPreparesAndCommitsAllLand() throws Exception {
    layer("base", "", Map.of("f", "base"));
    int threads = 6;
    int each = 10;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    List<String> errors = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      int tt = t;
      futures.add(pool.submit(() -> {
        for (int i = 0; i < each; i++) {
          String key = "k-" + tt + "-" + i;
          try {
            Path dir = upper(sn.prepare(key, i % 2 == 0 ? "base" : "", Map.of()));
            Files.writeString(dir.resolve("own"), key);
            sn.commit("n-" + tt + "-" + i, key, Map.of());
            if (i % 3 == 0) {
              sn.remove("n-" + tt + "-" + i);
            }
          } catch (IOException | RuntimeException e) {
            errors.add(key + ": " + e);
          }
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();

    assertThat(errors).isEmpty();
    List<SnapshotInfo> all = sn.walk(s -> true);
    long removed = (each + 2) / 3;
    assertThat(all).hasSize((int) (1 + threads * (each - removed)));
    for (SnapshotInfo s : all) {
      assertThat(s.kind()).isEqualTo(Kind.COMMITTED);
      String own = s.name().equals("base") ? "f" : "own";
      assertThat(local().directory(s.name()).resolve("fs").resolve(own)).exists();
    }
    try (var s = Files.list(local().snapshotsDir())) {
      assertThat(s).hasSize(all.size());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "with space",
        "ünïcödé ✓ 名前",
        "a/b/c",
        "../../etc",
        "extract-123 sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "quote\" and 'single' and ,comma="
      })
  void oddNamesRoundTrip(String name) throws IOException {
    Path dir = upper(sn.prepare(name, "", Map.of("k", name)));
    Files.writeString(dir.resolve("f"), "x");
    assertThat(dir.getParent().getParent()).isEqualTo(local().snapshotsDir());

    sn.commit(name + " done", name, Map.of());
    sn.view(name, name + " done", Map.of());

    assertThat(sn.stat(name + " done").kind()).isEqualTo(Kind.COMMITTED);
    assertThat(sn.stat(name).parent()).isEqualTo(name + " done");
    assertThat(names(s -> true)).containsExactly(name + " done", name);
    assertThat(names(SnapshotFilters.parse("parent==\"" + name.replace("\"", "\\\"")
        + " done\""))).containsExactly(name);
    sn.remove(name);
    sn.remove(name + " done");
    assertThat(sn.walk(s -> true)).isEmpty();
  }

  @Test
  @RequiresRoot
  void deepChainOf128LayersMountsAsView() throws IOException {
    String parent = "";
    for (int i = 0; i < 128; i++) {
      layer("layer-" + i, parent, Map.of("file-" + i, Integer.toString(i)));
      parent = "layer-" + i;
    }

    List<Mount> view = sn.view("deep", parent, Map.of());

    try (TempMount m = TempMount.mount(view, root)) {
      assertThat(Files.readString(m.path().resolve("file-0"))).isEqualTo("0");
      assertThat(Files.readString(m.path().resolve("file-127"))).isEqualTo("127");
      try (var s = Files.list(m.path())) {
        assertThat(s).hasSize(128);
      }
    }
    try (TempMount m = TempMount.mount(sn.prepare("deep-active", parent, Map.of()), root)) {
      assertThat(Files.readString(m.path().resolve("file-0"))).isEqualTo("0");
      Files.writeString(m.path().resolve("file-0"), "changed on top");
    }
    sn.commit("layer-128", "deep-active", Map.of());
    try (TempMount m = TempMount.mount(sn.view("deeper", "layer-128", Map.of()), root)) {
      assertThat(Files.readString(m.path().resolve("file-0"))).isEqualTo("changed on top");
    }
  }

  @Test
  void stateSurvivesReopen() throws IOException {
    layer("l1", "", Map.of("a", "1"));
    sn.prepare("k", "l1", Map.of("x", "y"));
    sn.close();

    sn = open(root, db);

    assertThat(sn.stat("l1").kind()).isEqualTo(Kind.COMMITTED);
    assertThat(sn.stat("k").labels()).isEqualTo(Map.of("x", "y"));
    assertThat(sn.stat("k").parent()).isEqualTo("l1");
    assertThat(local().directory("l1").resolve("fs/a")).hasContent("1");
  }

  @Test
  void reopenRemovesStrayDirectoriesAndForgetsActiveWithoutDirectory() throws IOException {
    layer("l1", "", Map.of("a", "1"));
    sn.prepare("k", "", Map.of());
    Path stray = Files.createDirectories(local().snapshotsDir().resolve("999999/fs"));
    Path kdir = local().directory("k");
    Path temp =
        Files.createDirectories(kdir.getParent().getParent().resolve("tmp/new-999999999-1"));
    sn.close();
    Trees.delete(kdir);

    sn = open(root, db);

    assertThat(stray.getParent()).doesNotExist();
    assertThat(temp).doesNotExist();
    assertThatThrownBy(() -> sn.stat("k")).isInstanceOf(NotFoundException.class);
    assertThat(sn.stat("l1").kind()).isEqualTo(Kind.COMMITTED);
    sn.prepare("k", "l1", Map.of());
    assertThat(sn.stat("k").kind()).isEqualTo(Kind.ACTIVE);
  }

  @Test
  void closedSnapshotterRefusesWork() throws IOException {
    sn.close();
    sn.close();

    assertThatThrownBy(() -> sn.prepare("k", "", Map.of()))
        .isInstanceOf(FailedPreconditionException.class);
    sn = open(root, db);
  }

  @Test
  void treeRendersChain() throws IOException {
    layer("l1", "", Map.of());
    layer("l2", "l1", Map.of());
    sn.prepare("k", "l2", Map.of());

    assertThat(SnapshotTree.render(sn.walk(s -> true)))
        .containsExactly("l1", "  l2", "    k [active]");
  }

  LocalSnapshotter local() {
    return (LocalSnapshotter) sn;
  }
}
