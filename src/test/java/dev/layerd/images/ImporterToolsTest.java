package dev.layerd.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.content.ContentStore;
import dev.layerd.content.ContentStores;
import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.ImageConfig;
import dev.layerd.oci.Manifest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Imports one image made by umoci in the three formats skopeo writes, and compares them. */
class ImporterToolsTest {
  @TempDir Path root;
  @TempDir Path work;
  private MetadataDatabase db;
  private ContentStore content;
  private ImageStore images;

  @BeforeEach
  void open() throws IOException {
    db = MetadataDatabase.open(root.resolve("metadata.db"));
    content = ContentStores.open(root, db);
    images = ImageStores.open(db);
  }

  @AfterEach
  void close() throws IOException {
    db.close();
  }

  @Test
  void importsSameImageFromLayoutOciArchiveAndDockerArchive() throws Exception {
    String umoci = Tools.require("umoci").toString();
    String skopeo = Tools.require("skopeo").toString();
    Path layout = work.resolve("img");
    Path bundle = work.resolve("bundle");
    run(umoci, "init", "--layout", layout.toString());
    run(umoci, "new", "--image", layout + ":latest");
    run(umoci, "unpack", "--rootless", "--image", layout + ":latest", bundle.toString());
    Files.createDirectories(bundle.resolve("rootfs/etc"));
    Files.writeString(bundle.resolve("rootfs/etc/hello"), "hello\n");
    Files.writeString(bundle.resolve("rootfs/gone"), "soon deleted\n");
    run(umoci, "repack", "--image", layout + ":latest", bundle.toString());
    deleteTree(bundle);
    run(umoci, "unpack", "--rootless", "--image", layout + ":latest", bundle.toString());
    Files.delete(bundle.resolve("rootfs/gone"));
    Files.writeString(bundle.resolve("rootfs/etc/second"), "second layer\n");
    run(umoci, "repack", "--image", layout + ":latest", bundle.toString());
    deleteTree(bundle);
    Path docker = work.resolve("d.tar");
    Path ociArchive = work.resolve("o.tar");
    run(skopeo, "--insecure-policy", "copy", "oci:" + layout + ":latest",
        "docker-archive:" + docker + ":example.com/app:v1");
    run(skopeo, "--insecure-policy", "copy", "oci:" + layout + ":latest",
        "oci-archive:" + ociArchive + ":latest");
    Importer importer = new Importer(content, images);

    Image fromLayout = importer.importArchive(layout,
        ImportOptions.defaults().withName("example.com/layout")).getFirst();
    Image fromOciArchive = importer.importArchive(ociArchive,
        ImportOptions.defaults().withName("example.com/archive")).getFirst();
    Image fromDocker = importer.importArchive(docker, ImportOptions.defaults()).getFirst();

    assertThat(List.of(fromLayout.name(), fromOciArchive.name(), fromDocker.name()))
        .containsExactly("example.com/layout:latest", "example.com/archive:latest",
            "example.com/app:v1");
    assertThat(fromOciArchive.target()).isEqualTo(fromLayout.target());
    Manifest oci = Images.readManifest(content, fromLayout.target());
    Manifest converted = Images.readManifest(content, fromDocker.target());
    assertThat(converted.config().digest()).isEqualTo(oci.config().digest());
    List<Digest> diffIds = Images.readConfig(content, oci).diffIds();
    assertThat(diffIds).hasSize(2);
    assertThat(oci.layers()).hasSize(2);
    assertThat(converted.layers()).extracting(Descriptor::digest)
        .containsExactlyElementsOf(diffIds);
    assertThat(converted.layers()).extracting(Descriptor::mediaType)
        .containsOnly(MediaTypes.OCI_LAYER);
    List<Digest> uncompressed = new ArrayList<>();
    for (Descriptor layer : oci.layers()) {
      assertThat(layer.mediaType()).isEqualTo(MediaTypes.OCI_LAYER_GZIP);
      uncompressed.add(gunzipDigest(layer.digest()));
    }
    assertThat(uncompressed).containsExactlyElementsOf(diffIds);
    ImageConfig config = Images.readConfig(content, converted);
    assertThat(config.os()).isEqualTo("linux");
  }

  private Digest gunzipDigest(Digest blob) throws IOException {
    try (InputStream in = new DigestInputStream(new GZIPInputStream(content.open(blob)),
        Digest.newSha256())) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return Digest.fromSha256(((DigestInputStream) in).getMessageDigest());
    }
  }

  private void run(String... cmd) throws IOException, InterruptedException {
    Path log = work.resolve("cmd.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    int rc = p.waitFor();
    assertThat(rc).as(String.join(" ", cmd) + ": " + Files.readString(log)).isZero();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
