package dev.layerd.diff;

import dev.layerd.mount.Mount;
import dev.layerd.oci.Descriptor;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Applies one layer blob onto the filesystem described by {@code mounts}.
 *
 * <p>The blob named by {@code layer} is read from the applier's content provider and verified.
 * The result describes the uncompressed layer: media type {@code ...layer.v1.tar}, its diffID and
 * uncompressed size. An applier that cannot handle the mounts or options throws {@link
 * dev.layerd.errdefs.NotImplementedException} before changing anything, so a diff service can try
 * the next one. Implementations are thread-safe; concurrent calls must target different mounts.
 */
public interface Applier {

  /** The name this applier is configured by ({@code walking}, {@code overlay}). */
  String name();

  Descriptor apply(Descriptor layer, List<Mount> mounts, ApplyOptions options) throws IOException;

  /**
   * As {@link #apply(Descriptor, List, ApplyOptions)}; {@code taken} is told the name of the
   * applier that took the layer, whether it then applied it or failed. An applier that chooses
   * among others (the diff service) names the one it chose; any other names itself.
   */
  default Descriptor apply(
      Descriptor layer, List<Mount> mounts, ApplyOptions options, Consumer<String> taken)
      throws IOException {
    taken.accept(name());
    return apply(layer, mounts, options);
  }
}
