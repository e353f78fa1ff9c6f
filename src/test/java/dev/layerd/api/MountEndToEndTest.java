package dev.layerd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.errdefs.FailedPreconditionException;
import dev.layerd.images.ImportOptions;
import dev.layerd.snapshots.Kind;
import dev.layerd.snapshots.SnapshotInfo;
import dev.layerd.testing.OciLayouts;
import dev.layerd.testing.RequiresRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@RequiresRoot
class MountEndToEndTest {
  @TempDir Path tmp;

  private Layerd layerd;
  private String image;
  private Path target;

  @BeforeEach
  void setUp() throws Exception {
    Path config = Files.writeString(tmp.resolve("config.toml"), "version = 4\n");
    layerd = Layerd.open(new LayerdOptions(tmp.resolve("root"), config));
    Path layout = tmp.resolve("layout");
    OciLayouts.write(layout, "t", List.of(OciLayouts.simpleLayer("a", "1"),
        OciLayouts.simpleLayer("b", "2")));
    image = layerd.importImage(layout, ImportOptions.defaults().withName("app:v1")).getFirst()
        .name();
    target = Files.createDirectories(tmp.resolve("mnt"));
  }

  @AfterEach
  void tearDown() throws Exception {
    layerd.unmount(target);
    layerd.close();
  }

  @Test
  void refusesToMountAnImageThatIsNotUnpacked() {
    assertThatThrownBy(() -> layerd.mount(image, target, false, null))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("layerd unpack " + image);
  }

  @Test
  void readOnlyMountShowsTheImageAndUnmountRemovesItsView() throws Exception {
    layerd.unpack(image, UnpackRequest.defaults());

    MountResult m = layerd.mount(image, target, false, null);

    assertThat(Files.readString(target.resolve("etc/a"))).isEqualTo("1");
    assertThat(Files.readString(target.resolve("etc/b"))).isEqualTo("2");
    assertThat(Files.isWritable(target.resolve("etc"))).isFalse();
    layerd.unmount(target);
    assertThat(layerd.snapshots(null)).extracting(SnapshotInfo::name).doesNotContain(m.key());
  }

  @Test
  void writableMountKeepsChangesInAnActiveSnapshotAcrossUnmount() throws Exception {
    layerd.unpack(image, UnpackRequest.defaults());

    MountResult m = layerd.mount(image, target, true, null);
    Files.writeString(target.resolve("etc/new"), "written");
    List<String> kept = layerd.unmount(target);
    layerd.mount(image, target, true, null);

    assertThat(kept).containsExactly("overlayfs/" + m.key());
    assertThat(Files.readString(target.resolve("etc/new"))).isEqualTo("written");
    assertThat(layerd.snapshotter(null).stat(m.key()).kind()).isEqualTo(Kind.ACTIVE);
    layerd.unmount(target);
    layerd.removeSnapshot(null, m.key());
  }
}
