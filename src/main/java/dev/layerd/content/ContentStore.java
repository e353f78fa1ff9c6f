package dev.layerd.content;

import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * Blobs by digest. A blob becomes visible only after it was written completely, verified against
 * its expected digest and size, and synced: readers never see partial or unverified content.
 *
 * <p>Thread-safe, and safe for several processes on one root: concurrent writers of the same
 * digest end with one blob and no error.
 */
public interface ContentStore extends Provider {

  /**
   * Writes {@code data} as the blob {@code expected}, verifying digest and size while it streams.
   * Returns the stored blob's info; if the blob already exists, drains nothing and returns its
   * info. The stream is read to its end but not closed.
   *
   * @throws dev.layerd.errdefs.DigestMismatchException when the content does not match
   */
  ContentInfo ingest(Descriptor expected, InputStream data, Map<String, String> labels)
      throws IOException;

  /** True when a verified blob with this digest is present. */
  boolean exists(Digest digest) throws IOException;

  /** Replaces the labels of a blob; a null value removes that label. */
  ContentInfo updateLabels(Digest digest, Map<String, String> labels) throws IOException;

  /** Every stored blob. */
  List<ContentInfo> list() throws IOException;

  /** Removes a blob; not found when it is absent. */
  void delete(Digest digest) throws IOException;
}
