package dev.layerd.diff;

import dev.layerd.mount.Mount;
import dev.layerd.oci.Descriptor;
import java.io.IOException;
import java.util.List;

/**
 * Computes the layer that turns {@code lower} into {@code upper} and stores it as a blob, returning
 * its descriptor. Thread-safe.
 */
public interface Comparer {
  Descriptor compare(List<Mount> lower, List<Mount> upper, DiffOptions options) throws IOException;
}
