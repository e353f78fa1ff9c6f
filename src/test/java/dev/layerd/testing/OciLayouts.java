package dev.layerd.testing;

import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.ImageConfig;
import dev.layerd.oci.Index;
import dev.layerd.oci.Json;
import dev.layerd.oci.Manifest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.oci.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes OCI image layouts from layers built in code. */
public final class OciLayouts {
  private OciLayouts() {}

  /**
   * Writes a one-image layout under {@code dir} with gzip layers, the image named {@code ref} (the
   * {@code org.opencontainers.image.ref.name} annotation). Returns the manifest descriptor.
   */
  public static Descriptor write(Path dir, String ref, List<LayerBuilder> layers)
      throws IOException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    List<Descriptor> descs = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    for (LayerBuilder l : layers) {
      descs.add(blob(dir, MediaTypes.OCI_LAYER_GZIP, l.tarGz()));
      diffIds.add(l.diffId());
    }
    Platform host = Platform.host();
    ImageConfig cfg =
        new ImageConfig(
            host.architecture(), host.os(), null, new ImageConfig.RootFs("layers", diffIds));
    Descriptor config = blob(dir, MediaTypes.OCI_CONFIG, Json.write(cfg));
    Manifest m = new Manifest(2, MediaTypes.OCI_MANIFEST, config, descs, Map.of());
    Descriptor manifest =
        blob(dir, MediaTypes.OCI_MANIFEST, Json.write(m))
            .withAnnotations(Map.of(Index.REF_NAME, ref));
    Index index = new Index(2, MediaTypes.OCI_INDEX, List.of(manifest), Map.of());
    Files.write(dir.resolve("index.json"), Json.write(index));
    return manifest;
  }

  private static Descriptor blob(Path dir, String mediaType, byte[] data) throws IOException {
    Digest d = Digest.sha256(data);
    Files.write(dir.resolve("blobs/sha256").resolve(d.hex()), data);
    return new Descriptor(mediaType, d, data.length);
  }

  /** A layer with one file, for tests that only need some layers. */
  public static LayerBuilder simpleLayer(String name, String content) {
    return new LayerBuilder().dir("etc", 0755, 0, 0).file("etc/" + name, content);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
