package dev.layerd.archive;

import dev.layerd.oci.Digest;
import java.util.Objects;

/**
 * The result of applying one layer: the diffID (sha256 of the whole uncompressed stream, trailing
 * bytes after the tar end included) and the uncompressed size in bytes.
 */
public record AppliedLayer(Digest diffId, long size) {
  public AppliedLayer {
    Objects.requireNonNull(diffId, "diffId");
  }
}
