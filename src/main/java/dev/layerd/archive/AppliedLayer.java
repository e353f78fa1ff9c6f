package dev.layerd.archive;

import dev.layerd.oci.Digest;
import java.util.Objects;
import java.util.Set;

/**
 * The result of applying one layer: the diffID (sha256 of the whole uncompressed stream, trailing
 * bytes after the tar end included), the uncompressed size in bytes, and the directories the layer
 * needed but did not list ({@code a} and {@code a/b} for a layer holding only {@code a/b/c}), as
 * normalized paths under the root; null when the applier does not report them.
 */
public record AppliedLayer(Digest diffId, long size, Set<String> implicitDirs) {
  public AppliedLayer {
    Objects.requireNonNull(diffId, "diffId");
    implicitDirs = implicitDirs == null ? null : Set.copyOf(implicitDirs);
  }

  /** A result that says nothing of implicit directories. */
  public AppliedLayer(Digest diffId, long size) {
    this(diffId, size, null);
  }
}
