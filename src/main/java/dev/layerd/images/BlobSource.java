package dev.layerd.images;

import dev.layerd.content.ContentStore;
import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.oci.Descriptor;
import java.io.IOException;

/** Where an import finds the blobs a layout references. */
interface BlobSource {
  /** The archive or directory, for messages. */
  String archive();

  /**
   * Makes the blob {@code d} present and verified (digest and size) in the store. Not found when
   * the archive lacks it; digest mismatch when its bytes or size are wrong. Both name the digest
   * and the archive.
   */
  void ensure(Descriptor d) throws IOException;

  /** Checks a blob already in the store against the size {@code d} claims. */
  static boolean presentWithSize(ContentStore store, Descriptor d, String archive)
      throws IOException {
    if (!store.exists(d.digest())) {
      return false;
    }
    long size = store.info(d.digest()).size();
    if (size != d.size()) {
      throw new DigestMismatchException(
          d.digest() + " of size " + d.size(),
          size + " bytes",
          "descriptor in " + archive + " (size disagrees with the blob)");
    }
    return true;
  }

  static NotFoundException missing(Descriptor d, String archive, Throwable cause) {
    String what = d.mediaType().isEmpty() ? "blob" : d.mediaType();
    return new NotFoundException(what + " " + d.digest() + " is missing from " + archive, cause);
  }

  /** The same mismatch, with the archive path as its source. */
  static DigestMismatchException inArchive(
      DigestMismatchException e, String entry, String archive) {
    return new DigestMismatchException(e.expected(), e.actual(), entry + " in " + archive, e);
  }
}
