package dev.layerd.diff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.archive.ArchiveOptions;
import dev.layerd.archive.Archives;
import dev.layerd.archive.WhiteoutMode;
import dev.layerd.content.ContentInfo;
import dev.layerd.content.ContentLabels;
import dev.layerd.content.ContentStore;
import dev.layerd.content.ContentStores;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.linux.Errno;
import dev.layerd.linux.ErrnoException;
import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.mount.Mount;
import dev.layerd.mount.TempMount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.snapshots.Snapshotter;
import dev.layerd.snapshots.Snapshotters;
import dev.layerd.testing.RequiresRoot;
import dev.layerd.testing.TreeDescription;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.CompressorStreamFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@RequiresRoot
class WalkingComparerTest {
  @TempDir Path root;
  private MetadataDatabase db;
  private ContentStore store;
  private Snapshotter sn;
  private Comparer comparer;

  @BeforeEach
  void open() throws IOException {
    db = MetadataDatabase.open(root.resolve("metadata.db"));
    store = ContentStores.open(root, db);
    sn = Snapshotters.overlay(root, db);
    comparer = Differs.walkingComparer(
        store, DifferOptions.defaults().withMountRoot(root.resolve("tmpmounts")));
  }

  @AfterEach
  void close() throws IOException {
    sn.close();
    db.close();
  }

  /** A committed base and an active snapshot on it, changed through its overlay mount. */
  private List<Mount> changedActive() throws IOException {
    List<Mount> base = sn.prepare("base-active", "", Map.of());
    try (TempMount m = TempMount.mount(base, root.resolve("tmpmounts"))) {
      Files.createDirectories(m.path().resolve("etc"));
      Files.writeString(m.path().resolve("etc/hostname"), "base\n");
      Files.writeString(m.path().resolve("etc/gone"), "gone\n");
      Files.createDirectories(m.path().resolve("data/dir/sub"));
      Files.writeString(m.path().resolve("data/dir/sub/file"), "deep\n");
      Files.createDirectories(m.path().resolve("data/opaque"));
      Files.writeString(m.path().resolve("data/opaque/old"), "old\n");
    }
    sn.commit("base", "base-active", Map.of());

    List<Mount> top = sn.prepare("top", "base", Map.of());
    try (TempMount m = TempMount.mount(top, root.resolve("tmpmounts"))) {
      Files.writeString(m.path().resolve("etc/added"), "added\n");
      Files.writeString(m.path().resolve("etc/hostname"), "changed host\n");
      Files.delete(m.path().resolve("etc/gone"));
      deleteTree(m.path().resolve("data/dir"));
      // an overlay makes this directory opaque in the upper
      deleteTree(m.path().resolve("data/opaque"));
      Files.createDirectories(m.path().resolve("data/opaque"));
      Files.writeString(m.path().resolve("data/opaque/new"), "new\n");
    }
    return top;
  }

  @Test
  void diffOfActiveSnapshotIsStoredWithItsUncompressedDigest() throws Exception {
    List<Mount> top = changedActive();
    List<Mount> parent = sn.view("parent-view", "base", Map.of());

    Descriptor gzip = comparer.compare(parent, top,
        new DiffOptions(MediaTypes.OCI_LAYER_GZIP, "", Map.of("origin", "test"), null));

    assertThat(gzip.mediaType()).isEqualTo(MediaTypes.OCI_LAYER_GZIP);
    assertThat(store.exists(gzip.digest())).isTrue();
    ContentInfo info = store.info(gzip.digest());
    assertThat(info.size()).isEqualTo(gzip.size());
    Digest diffId;
    List<String> names = new ArrayList<>();
    try (InputStream blob = store.open(gzip.digest());
        InputStream raw = new CompressorStreamFactory().createCompressorInputStream(
            CompressorStreamFactory.GZIP, blob)) {
      byte[] tar = raw.readAllBytes();
      diffId = Digest.sha256(tar);
      try (TarArchiveInputStream in =
          new TarArchiveInputStream(new java.io.ByteArrayInputStream(tar))) {
        for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
          names.add(e.getName());
        }
      }
    }
    assertThat(info.labels())
        .containsEntry("origin", "test")
        .containsEntry(ContentLabels.UNCOMPRESSED, diffId.toString());
    assertThat(names).containsExactly(
        "data/", "data/.wh.dir", "data/opaque/", "data/opaque/new", "data/opaque/.wh.old",
        "etc/", "etc/added", "etc/.wh.gone", "etc/hostname");

    Descriptor zstd = comparer.compare(parent, top,
        new DiffOptions(MediaTypes.OCI_LAYER_ZSTD, "", Map.of(), null));
    assertThat(zstd.digest()).isNotEqualTo(gzip.digest());
    assertThat(store.info(zstd.digest()).labels())
        .containsEntry(ContentLabels.UNCOMPRESSED, diffId.toString());
    try (InputStream blob = store.open(zstd.digest())) {
      assertThat(blob.readNBytes(4)).containsExactly(0x28, 0xb5, 0x2f, 0xfd);
    }
  }

  @Test
  void baseAndTopLayersRebuildTheActiveTree() throws Exception {
    List<Mount> top = changedActive();
    List<Mount> parent = sn.view("parent-view", "base", Map.of());

    Descriptor baseLayer = comparer.compare(List.of(), parent, DiffOptions.defaults());
    Descriptor topLayer = comparer.compare(parent, top, DiffOptions.defaults());

    assertThat(baseLayer.mediaType()).isEqualTo(MediaTypes.OCI_LAYER);
    Path rebuilt = Files.createDirectories(root.resolve("rebuilt"));
    for (Descriptor d : List.of(baseLayer, topLayer)) {
      try (InputStream in = store.open(d.digest())) {
        Archives.apply(rebuilt, in,
            ArchiveOptions.builder().whiteoutMode(WhiteoutMode.DELETE).build());
      }
    }
    try (TempMount m = TempMount.mount(top, root.resolve("tmpmounts"))) {
      assertThat(TreeDescription.describe(rebuilt))
          .isEqualTo(TreeDescription.describe(m.path()));
    }
    assertThat(comparer.compare(parent, top, DiffOptions.defaults())).isEqualTo(topLayer);
  }

  @Test
  void refusesMediaTypesItCannotWrite() throws Exception {
    Path empty = Files.createDirectories(root.resolve("empty"));
    List<Mount> bind = List.of(new dev.layerd.mount.BindMount(empty, true));

    assertThatThrownBy(() -> comparer.compare(bind, bind,
            new DiffOptions("application/x-bzip2-layer", "", Map.of(), null)))
        .isInstanceOf(NotImplementedException.class)
        .hasMessageContaining("application/x-bzip2-layer");
  }

  @Test
  void storesNothingWhenTheWalkFails() throws Exception {
    Path lower = Files.createDirectories(root.resolve("lower"));
    Path upper = Files.createDirectories(root.resolve("upper"));
    Files.writeString(upper.resolve("big"), "x".repeat(1 << 20));
    List<Mount> missing = List.of(new dev.layerd.mount.BindMount(root.resolve("missing"), true));
    List<Mount> existing = List.of(new dev.layerd.mount.BindMount(upper, true));
    int before = store.list().size();

    assertThatThrownBy(() -> comparer.compare(
            List.of(new dev.layerd.mount.BindMount(lower, true)), missing,
            DiffOptions.defaults()))
        .isInstanceOfSatisfying(
            ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
        .hasMessageContaining("missing");
    assertThatThrownBy(() -> comparer.compare(missing, existing, DiffOptions.defaults()))
        .isInstanceOfSatisfying(
            ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    assertThat(store.list()).hasSize(before);
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
