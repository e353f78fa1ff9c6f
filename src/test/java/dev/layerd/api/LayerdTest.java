package dev.layerd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.config.ConfigLoader;
import dev.layerd.content.Provider;
import dev.layerd.diff.Applier;
import dev.layerd.images.Image;
import dev.layerd.images.ImportOptions;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.oci.Platform;
import dev.layerd.snapshots.Kind;
import dev.layerd.testing.FakeContentStore;
import dev.layerd.testing.FakeImageStore;
import dev.layerd.testing.FakeSnapshotter;
import dev.layerd.testing.LayerBuilder;
import dev.layerd.testing.OciLayouts;
import dev.layerd.unpack.UnpackResult;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerdTest {
  @TempDir Path tmp;

  private final FakeContentStore content = new FakeContentStore();
  private final FakeImageStore images = new FakeImageStore();
  private final List<List<String>> orders = new ArrayList<>();
  private FakeSnapshotter snapshotter;

  /** Writes nothing; answers with the layer's real diffID, as a differ would. */
  private Applier hashingApplier(Provider provider, List<String> order) {
    orders.add(order);
    return new Applier() {
      @Override
      public String name() {
        return "hashing";
      }

      @Override
      public Descriptor apply(
          Descriptor layer,
          List<dev.layerd.mount.Mount> mounts,
          dev.layerd.diff.ApplyOptions options)
          throws java.io.IOException {
        MessageDigest md = Digest.newSha256();
        long n;
        try (InputStream in =
            new DigestInputStream(new GZIPInputStream(provider.open(layer.digest())), md)) {
          n = in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return new Descriptor(MediaTypes.OCI_LAYER, Digest.fromSha256(md), n);
      }
    };
  }

  private Layerd layerd(String toml) {
    snapshotter = new FakeSnapshotter(tmp.resolve("snapshots"), true);
    return new Layerd(
        tmp.resolve("root"),
        ConfigLoader.parse(toml, "test config"),
        null,
        content,
        images,
        name -> snapshotter,
        this::hashingApplier);
  }

  private String importImage(Layerd l, String name, String... files) throws Exception {
    List<LayerBuilder> layers = new ArrayList<>();
    for (String f : files) {
      layers.add(OciLayouts.simpleLayer(f, f));
    }
    Path dir = tmp.resolve("layout-" + name.replace(':', '-'));
    OciLayouts.write(dir, "t", layers);
    return l.importImage(dir, ImportOptions.defaults().withName(name)).getFirst().name();
  }

  @Test
  void unpacksWithTheConfiguredDifferOrderAndLabelsTheConfig() throws Exception {
    Layerd l = layerd("version = 4\n");
    String name = importImage(l, "app:v1", "a", "b", "c");

    UnpackResult r = l.unpack(name, UnpackRequest.defaults());

    assertThat(orders.getLast()).containsExactly("walking", "overlay");
    assertThat(r.chainId()).isEqualTo(l.chainId(name, Platform.host()));
    assertThat(snapshotter.stat(r.chainId().toString()).kind()).isEqualTo(Kind.COMMITTED);
    assertThat(r.applied()).isEqualTo(3);
  }

  @Test
  void forcedDifferAndUnpackConfigChooseWhatApplies() throws Exception {
    Layerd l =
        layerd(
            """
            version = 4
            [plugins."io.containerd.transfer.v1.local"]
            unpack_config = [{platform = "%s", snapshotter = "overlayfs", differ = "overlay"}]
            """
                .formatted(Platform.host()));
    String name = importImage(l, "app:v1", "a", "b");

    l.unpack(name, UnpackRequest.defaults());
    assertThat(orders.getLast()).containsExactly("overlay");

    snapshotter.remove(l.chainId(name, null).toString());
    UnpackResult r = l.unpack(name, UnpackRequest.defaults().withDiffer("walking"));
    assertThat(orders.getLast()).containsExactly("walking");
    assertThat(r.modeReason()).contains("walking");
  }

  @Test
  void discardsLayersOnlyOtherImagesDoNotNeedAndLabelsTheImage() throws Exception {
    Layerd l = layerd("version = 4\n");
    String app = importImage(l, "app:v1", "shared", "mine");
    importImage(l, "other:v1", "shared");
    List<Digest> layers = new ArrayList<>();
    for (Descriptor d : dev.layerd.images.Images.children(content, images.get(app).target())) {
      if (MediaTypes.isLayer(d.mediaType())) {
        layers.add(d.digest());
      }
    }

    UnpackResult r = l.unpack(app, UnpackRequest.defaults().withDiscardLayers(true));

    assertThat(r.discarded()).containsExactly(layers.get(1));
    assertThat(content.exists(layers.get(0))).isTrue();
    assertThat(content.exists(layers.get(1))).isFalse();
    assertThat(images.get(app).labels()).containsEntry(Image.LAYERS_DISCARDED, "true");
  }

  @Test
  void pruneKeepsWhatImagesReachAndRemovesTheRest() throws Exception {
    Layerd l = layerd("version = 4\n");
    String keep = importImage(l, "keep:v1", "k1", "k2");
    String drop = importImage(l, "drop:v1", "d1", "d2");
    l.unpack(keep, UnpackRequest.defaults());
    UnpackResult dropped = l.unpack(drop, UnpackRequest.defaults());
    java.nio.file.Files.createDirectories(tmp.resolve("root/snapshots/overlayfs"));
    l.removeImages(List.of(drop));

    PruneResult p = l.prune();

    assertThat(p.blobs()).hasSize(4);
    assertThat(p.snapshots())
        .containsExactlyInAnyOrder(
            dropped.layers().stream().map(x -> "overlayfs/" + x.chainId()).toArray(String[]::new));
    assertThat(snapshotter.stat(l.chainId(keep, null).toString()).kind()).isEqualTo(Kind.COMMITTED);
    assertThat(l.prune().blobs()).isEmpty();
  }
}
