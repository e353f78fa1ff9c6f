package dev.layerd.diff;

import dev.layerd.archive.AppliedLayer;
import dev.layerd.archive.ArchiveOptions;
import dev.layerd.content.Provider;
import dev.layerd.content.VerifyingInputStream;
import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.linux.SyncCalls;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** The part every differ shares: read and verify the blob, apply it under a root, sync. */
final class LayerApplication {
  private LayerApplication() {}

  /** Refuses what no differ here handles, before anything is touched. */
  static void checkPayloads(String differ, ApplyOptions options) {
    if (!options.payloads().isEmpty()) {
      throw new NotImplementedException(
          differ
              + " differ runs no stream processors; payloads given for "
              + options.payloads().keySet());
    }
  }

  /**
   * Applies {@code layer} under {@code root} and returns the uncompressed layer's descriptor. A
   * blob that does not match its descriptor fails with {@link DigestMismatchException}, also when
   * the archive step failed first on the corrupt bytes.
   */
  static Descriptor apply(
      Provider provider,
      TarApplier tar,
      Descriptor layer,
      Path root,
      ArchiveOptions archiveOptions,
      ApplyOptions options)
      throws IOException {
    String source = "layer " + layer.digest();
    AppliedLayer applied;
    try (InputStream blob = provider.open(layer.digest());
        VerifyingInputStream verifying = new VerifyingInputStream(blob, layer, source);
        ProgressInputStream in = new ProgressInputStream(verifying, options.progress())) {
      ArchiveOptions opts =
          archiveOptions.toBuilder()
              .mediaType(layer.mediaType())
              .layerName(layer.digest().toString())
              .build();
      try {
        applied = tar.apply(root, in, opts);
        // Bytes after the tar's end are part of the blob and of its digest.
        in.drain();
      } catch (IOException | RuntimeException e) {
        DigestMismatchException mismatch = mismatchAfter(in, verifying, e);
        if (mismatch != null) {
          throw mismatch;
        }
        throw e;
      }
    }
    if (options.syncFs()) {
      SyncCalls.syncfs(root);
    }
    if (applied.implicitDirs() != null) {
      options.implicitDirs().accept(applied.implicitDirs());
    }
    return new Descriptor(MediaTypes.OCI_LAYER, applied.diffId(), applied.size());
  }

  /**
   * When applying failed, a corrupt blob is the more useful report: finish reading it and, if it
   * does not match, return the mismatch with the apply failure attached; else null.
   */
  private static DigestMismatchException mismatchAfter(
      ProgressInputStream in, VerifyingInputStream verifying, Exception e) {
    if (e instanceof DigestMismatchException || verifying.verified()) {
      return null;
    }
    try {
      in.drain();
    } catch (DigestMismatchException m) {
      m.addSuppressed(e);
      return m;
    } catch (IOException | RuntimeException ignored) {
      // The blob cannot be read further; the apply failure stands on its own.
    }
    return null;
  }
}
