package dev.layerd.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** Applies layer tar streams under a root directory. */
public final class Archives {
  private Archives() {}

  /**
   * Applies the layer {@code layer} (plain, gzip or zstd tar) under {@code root}, never touching
   * anything outside it, and returns its diffID and uncompressed size. Reads {@code layer} to its
   * end; does not close it.
   */
  public static AppliedLayer apply(Path root, InputStream layer, ArchiveOptions options)
      throws IOException {
    // Placeholder so that dependants compile while the applier is written; replaced before landing.
    throw new UnsupportedOperationException("archive apply is not written yet");
  }
}
