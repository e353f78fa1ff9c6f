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
 * <p>Labels are free-form key/value pairs kept with the blob's metadata. The ones layerd itself
 * writes are listed in {@link ContentLabels}.
 *
 * <p>Thread-safe, and safe for several processes on one root: concurrent writers of the same
 * digest end with one blob and no error.
 */
public interface ContentStore extends Provider {
  /**
   * Writes {@code data} as the blob {@code expected}, verifying digest and size while it streams.
   * Returns the stored blob's info. If the blob already exists, {@code data} is not read at all;
   * the given labels are merged into the existing ones. The stream is never closed here.
   *
   * @throws dev.layerd.errdefs.DigestMismatchException when the content does not match the
   *     expected digest or size; nothing becomes visible
   */
  ContentInfo ingest(Descriptor expected, InputStream data, Map<String, String> labels)
      throws IOException;

  /**
   * Writes {@code data} to its end as a blob whose digest (sha256) is computed while writing, for
   * content produced here (diffs, converted manifests). Labels are merged into those of an
   * existing blob with the same digest. The stream is not closed.
   */
  ContentInfo write(InputStream data, Map<String, String> labels) throws IOException;

  /** True when a verified blob with this digest is present. */
  boolean exists(Digest digest) throws IOException;

  /**
   * Changes the labels of a blob: each entry sets that label, a null value removes it; labels not
   * named stay. Returns the new info; not found when the blob is absent.
   */
  ContentInfo updateLabels(Digest digest, Map<String, String> labels) throws IOException;

  /** Every stored blob, in digest order. */
  List<ContentInfo> list() throws IOException;

  /** Removes a blob and its labels; not found when it is absent. */
  void delete(Digest digest) throws IOException;
}
