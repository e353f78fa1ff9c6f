package dev.layerd.diff;

import dev.layerd.archive.AppliedLayer;
import dev.layerd.archive.ArchiveOptions;
import dev.layerd.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A stand-in for the archive step: treats the blob as the uncompressed layer, reads it whole and
 * remembers where and how it was asked to apply.
 */
final class RecordingTar implements TarApplier {
  volatile Path root;
  volatile ArchiveOptions options;
  volatile int calls;
  private final int readLimit;

  RecordingTar() {
    this(Integer.MAX_VALUE);
  }

  /** Reads at most {@code readLimit} bytes, then fails as a tar reader on garbage would. */
  RecordingTar(int readLimit) {
    this.readLimit = readLimit;
  }

  @Override
  public AppliedLayer apply(Path root, InputStream layer, ArchiveOptions options)
      throws IOException {
    this.root = root;
    this.options = options;
    calls++;
    if (readLimit != Integer.MAX_VALUE) {
      layer.readNBytes(readLimit);
      throw new IOException("invalid tar header in " + options.layerName());
    }
    byte[] all = layer.readAllBytes();
    return new AppliedLayer(Digest.sha256(all), all.length);
  }
}
