package dev.layerd.archive;

import dev.layerd.errdefs.FailedPreconditionException;
import java.util.Objects;

/**
 * A hardlink entry names a target that is neither in the root nor in any parent layer given, so
 * the layer cannot be applied on its own (overlay mode, unpacking in parallel). Callers fall back
 * to applying the layers in order, with the lower layers as parents.
 */
public class LinkTargetMissingException extends FailedPreconditionException {
  private final String layer;
  private final String entry;
  private final String target;

  public LinkTargetMissingException(String layer, String entry, String target) {
    super(
        "layer "
            + layer
            + ", entry "
            + entry
            + ": hardlink target "
            + target
            + " is not in this layer or its parents");
    this.layer = Objects.requireNonNull(layer, "layer");
    this.entry = Objects.requireNonNull(entry, "entry");
    this.target = Objects.requireNonNull(target, "target");
  }

  public String layer() {
    return layer;
  }

  public String entry() {
    return entry;
  }

  public String target() {
    return target;
  }
}
