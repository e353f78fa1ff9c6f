package dev.layerd.unpack;

import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.oci.Digest;

/**
 * A layer's uncompressed content did not hash to the diffID its image config lists: the config lies
 * or the blob is not what the manifest says.
 */
public class DiffIdMismatchException extends DigestMismatchException {
  private final int layerIndex;
  private final Digest layerDigest;

  public DiffIdMismatchException(
      int layerIndex, Digest layerDigest, Digest expected, Digest actual) {
    super(
        expected.toString(),
        actual.toString(),
        "diffID of layer " + layerIndex + " (" + layerDigest + ")");
    this.layerIndex = layerIndex;
    this.layerDigest = layerDigest;
  }

  public int layerIndex() {
    return layerIndex;
  }

  public Digest layerDigest() {
    return layerDigest;
  }
}
