package dev.layerd.images;

import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.oci.Descriptor;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A named image: its name points at a target descriptor, a manifest or an index in the content
 * store. Times are set by the store; labels are free-form.
 */
public record Image(
    String name, Descriptor target, Instant created, Instant updated, Map<String, String> labels) {
  /**
   * Image label set to {@code "true"} once the image's compressed layer blobs were deleted after
   * a successful unpack ({@code discard_unpacked_layers}); the snapshots hold the layers then.
   */
  public static final String LAYERS_DISCARDED = "layerd.dev/layers-discarded";

  public Image {
    if (name == null || name.isBlank()) {
      throw new InvalidArgumentException("image name is empty");
    }
    Objects.requireNonNull(target, "target");
    created = created == null ? Instant.EPOCH : created;
    updated = updated == null ? created : updated;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** A new image record; the store fills in the times. */
  public Image(String name, Descriptor target) {
    this(name, target, null, null, Map.of());
  }

  public Image withTarget(Descriptor target) {
    return new Image(name, target, created, updated, labels);
  }

  public Image withLabels(Map<String, String> labels) {
    return new Image(name, target, created, updated, labels);
  }
}
