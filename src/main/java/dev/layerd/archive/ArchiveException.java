package dev.layerd.archive;

import dev.layerd.errdefs.InvalidArgumentException;
import java.util.Objects;

/**
 * A layer that cannot be applied because of what it holds: a corrupt or truncated stream, an
 * entry that tries to leave the root, a reserved whiteout name, an oversized header. Names the
 * layer (its digest when known) and the tar entry.
 */
public class ArchiveException extends InvalidArgumentException {
  private final String layer;
  private final String entry;

  public ArchiveException(String layer, String entry, String message, Throwable cause) {
    super("layer " + layer + ", entry " + entry + ": " + message, cause);
    this.layer = Objects.requireNonNull(layer, "layer");
    this.entry = Objects.requireNonNull(entry, "entry");
  }

  public ArchiveException(String layer, String entry, String message) {
    this(layer, entry, message, null);
  }

  /** The layer's name in errors: its digest when the caller knew it. */
  public String layer() {
    return layer;
  }

  /** The tar entry being read or applied, or a description of where in the stream it failed. */
  public String entry() {
    return entry;
  }
}
