package dev.layerd.snapshots;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.mount.BindMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NativeSnapshotterTest extends SnapshotterContractTest {
  @Override
  Snapshotter open(Path root, MetadataDatabase db) throws IOException {
    return Snapshotters.nativeCopy(root, db, new NativeOptions(true));
  }

  @Override
  boolean supportsRebase() {
    return false;
  }

  @Test
  void prepareCopiesParentAndMountsBind() throws IOException {
    layer("l1", "", Map.of("a", "1", "d/b", "2"));

    BindMount m = (BindMount) sn.prepare("k", "l1", Map.of()).getFirst();

    assertThat(m.readOnly()).isFalse();
    assertThat(m.sourceDir().resolve("a")).hasContent("1");
    assertThat(m.sourceDir().resolve("d/b")).hasContent("2");
    Files.writeString(m.sourceDir().resolve("a"), "changed");
    assertThat(local().directory("l1").resolve("fs/a")).hasContent("1");
    assertThat(((BindMount) sn.view("v", "l1", Map.of()).getFirst()).readOnly()).isTrue();
  }
}
