package dev.layerd.unpack;

import dev.layerd.errdefs.LayerdException;
import dev.layerd.oci.Digest;
import java.util.Objects;

/**
 * An unpack failed at one layer. Has the kind of its cause (not found for a missing blob, data loss
 * for a diffID mismatch, invalid argument for a bad tar entry...) and names the image, the layer's
 * index and digest. Snapshots committed before the failure are kept; the failed layer's active
 * snapshot is removed.
 */
public class UnpackException extends LayerdException {
  private final String image;
  private final int layerIndex;
  private final Digest layerDigest;

  public UnpackException(String image, int layerIndex, Digest layerDigest, Throwable cause) {
    super(
        LayerdException.kindOf(cause),
        "failed to unpack layer "
            + layerIndex
            + " ("
            + layerDigest
            + ") of image "
            + image
            + ": "
            + cause.getMessage(),
        cause);
    this.image = Objects.requireNonNull(image, "image");
    this.layerIndex = layerIndex;
    this.layerDigest = Objects.requireNonNull(layerDigest, "layerDigest");
  }

  /** The image name or manifest digest. */
  public String image() {
    return image;
  }

  /** The failing layer's position in the manifest, bottom first. */
  public int layerIndex() {
    return layerIndex;
  }

  /** The failing layer's compressed digest. */
  public Digest layerDigest() {
    return layerDigest;
  }
}
