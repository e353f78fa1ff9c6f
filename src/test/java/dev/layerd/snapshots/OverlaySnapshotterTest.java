package dev.layerd.snapshots;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OverlayMount;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OverlaySnapshotterTest extends SnapshotterContractTest {
  @Override
  Snapshotter open(Path root, MetadataDatabase db) throws IOException {
    return Snapshotters.overlay(root, db, OverlayOptions.defaults().withSyncRemove(true));
  }

  @Override
  boolean supportsRebase() {
    return true;
  }

  @Test
  void activeOnParentsIsOverlayTopFirst() throws IOException {
    layer("l1", "", Map.of());
    layer("l2", "l1", Map.of());

    List<Mount> m = sn.prepare("k", "l2", Map.of());

    OverlayMount o = (OverlayMount) m.getFirst();
    Path k = local().directory("k");
    assertThat(o.lowerDirs())
        .containsExactly(
            local().directory("l2").resolve("fs"), local().directory("l1").resolve("fs"));
    assertThat(o.upperDir()).isEqualTo(k.resolve("fs"));
    assertThat(o.workDir()).isEqualTo(k.resolve("work"));
    assertThat(k.getParent()).isEqualTo(root.resolve("snapshots/overlayfs/snapshots"));
  }

  @Test
  void viewOfOneLayerIsReadOnlyBindOfManyIsLowerOnlyOverlay() throws IOException {
    layer("l1", "", Map.of());
    layer("l2", "l1", Map.of());

    List<Mount> one = sn.view("v1", "l1", Map.of());
    List<Mount> two = sn.view("v2", "l2", Map.of());

    assertThat(one).containsExactly(new BindMount(local().directory("l1").resolve("fs"), true));
    OverlayMount o = (OverlayMount) two.getFirst();
    assertThat(o.readOnly()).isTrue();
    assertThat(o.lowerDirs()).hasSize(2);
  }

  @Test
  void userxattrOptionReachesOverlayMounts() throws IOException {
    sn.close();
    sn = Snapshotters.overlay(root, db, OverlayOptions.defaults().withUserxattr(true));
    layer("l1", "", Map.of());

    OverlayMount o = (OverlayMount) sn.prepare("k", "l1", Map.of()).getFirst();

    assertThat(o.userXattr()).isTrue();
    assertThat(o.options()).contains("userxattr");
  }

  @Test
  void asyncRemovalDeletesDirectoryByClose() throws IOException {
    sn.close();
    sn = Snapshotters.overlay(root, db, OverlayOptions.defaults());
    layer("l1", "", Map.of("a", "1"));
    Path dir = local().directory("l1");

    sn.remove("l1");
    sn.close();

    assertThat(dir).doesNotExist();
    try (var s = java.nio.file.Files.list(root.resolve("snapshots/overlayfs/trash"))) {
      assertThat(s).isEmpty();
    }
    sn = open(root, db);
  }

  @Test
  void backendsShareOneDatabaseWithoutClashing() throws IOException {
    layer("l1", "", Map.of());
    try (Snapshotter other = Snapshotters.nativeCopy(root, db)) {
      other.prepare("extract-l1", "", Map.of());
      other.commit("l1", "extract-l1", Map.of());

      assertThat(other.walk(s -> true)).extracting(SnapshotInfo::name).containsExactly("l1");
    }
    assertThat(sn.walk(s -> true)).extracting(SnapshotInfo::name).containsExactly("l1");
  }
}
