package dev.layerd.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes a one-image OCI image layout for the host platform from layer blobs held in memory. */
public final class LayoutWriter {
  private LayoutWriter() {}

  /** One layer: its blob as stored (compressed or not), its media type and its diffID. */
  public record Layer(String mediaType, byte[] blob, Digest diffId) {}

  /**
   * Writes {@code oci-layout}, the blobs, the config, the manifest and {@code index.json} under
   * {@code dir}, the image named {@code ref} (the {@code org.opencontainers.image.ref.name}
   * annotation). Returns the manifest descriptor.
   */
  public static Descriptor write(Path dir, String ref, List<Layer> layers) throws IOException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(
        dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", StandardCharsets.UTF_8);
    List<Descriptor> descs = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    for (Layer l : layers) {
      descs.add(blob(dir, l.mediaType(), l.blob()));
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
}
