package dev.layerd.testing;

import dev.layerd.oci.Descriptor;
import dev.layerd.oci.LayoutWriter;
import dev.layerd.oci.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes OCI image layouts from layers built in code. */
public final class OciLayouts {
  private OciLayouts() {}

  /**
   * Writes a one-image layout under {@code dir} with gzip layers, the image named {@code ref} (the
   * {@code org.opencontainers.image.ref.name} annotation). Returns the manifest descriptor.
   */
  public static Descriptor write(Path dir, String ref, List<LayerBuilder> layers)
      throws IOException {
    List<LayoutWriter.Layer> blobs = new ArrayList<>();
    for (LayerBuilder l : layers) {
      blobs.add(new LayoutWriter.Layer(MediaTypes.OCI_LAYER_GZIP, l.tarGz(), l.diffId()));
    }
    return LayoutWriter.write(dir, ref, blobs);
  }

  /** A layer with one file, for tests that only need some layers. */
  public static LayerBuilder simpleLayer(String name, String content) {
    return new LayerBuilder().dir("etc", 0755, 0, 0).file("etc/" + name, content);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
