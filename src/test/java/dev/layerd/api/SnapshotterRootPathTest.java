package dev.layerd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.snapshots.Snapshotters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotterRootPathTest {
  @TempDir Path tmp;

  @Test
  void snapshottersKeepTheirDirectoriesWhereTheConfigSays() throws Exception {
    Path overlayHome = tmp.resolve("fast-disk/overlayfs");
    Path nativeHome = tmp.resolve("other-disk/native");
    Path config = tmp.resolve("config.toml");
    Files.writeString(
        config,
        """
        version = 4
        [plugins."io.containerd.snapshotter.v1.overlayfs"]
        root_path = "%s"
        [plugins."io.containerd.snapshotter.v1.native"]
        root_path = "%s"
        """
            .formatted(overlayHome, nativeHome));
    Path root = tmp.resolve("root");

    try (Layerd layerd = Layerd.open(new LayerdOptions(root, config))) {
      for (String name : List.of(Snapshotters.OVERLAYFS, Snapshotters.NATIVE)) {
        List<Mount> m = layerd.snapshotter(name).prepare("k-" + name, "", Map.of());
        Path expected = name.equals(Snapshotters.OVERLAYFS) ? overlayHome : nativeHome;
        assertThat(((BindMount) m.getFirst()).sourceDir()).startsWith(expected);
      }
    }

    assertThat(root.resolve("snapshots/overlayfs")).doesNotExist();
    assertThat(root.resolve("snapshots/native")).doesNotExist();
    assertThat(root.resolve("metadata.db")).exists();
  }
}
