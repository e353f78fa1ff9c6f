package dev.layerd.archive;

import dev.layerd.io.InputStreams;
import dev.layerd.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies layer tar streams under a root directory. */
public final class Archives {
  private static final Logger LOG = LoggerFactory.getLogger(Archives.class);

  private Archives() {}

  /**
   * The tar stream inside {@code layer}, which may be plain, gzip or zstd (the magic bytes decide,
   * whatever a media type claims). Closing the result closes {@code layer}.
   */
  public static InputStream uncompressed(InputStream layer) throws IOException {
    return Decompression.open(layer).stream();
  }

  /**
   * Hands each entry name of the uncompressed tar {@code plain} to {@code action}, in order, as
   * the applier names the entry (a name that is not UTF-8 as its bytes, see {@link
   * dev.layerd.linux.Names}). Reads to the end of the tar; does not close {@code plain}.
   */
  public static void forEachEntryName(InputStream plain, Consumer<String> action)
      throws IOException {
    TarHeaderGuard guard = new TarHeaderGuard(plain);
    TarArchiveInputStream tar = reader(guard);
    for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
      guard.restoreNames(e);
      action.accept(e.getName());
    }
  }

  /**
   * The tar reader over {@code guard}. Names are decoded as UTF-8; those that are not valid UTF-8
   * are taken from the header's bytes afterwards ({@link TarHeaderGuard#restoreNames}).
   */
  @SuppressWarnings("deprecation") // the builder arrives in a later Commons Compress
  private static TarArchiveInputStream reader(TarHeaderGuard guard) {
    return new TarArchiveInputStream(guard, StandardCharsets.UTF_8.name());
  }

  /**
   * Applies the layer {@code layer} (plain, gzip or zstd tar; the magic bytes decide) under {@code
   * root}, never touching anything outside it, and returns its diffID and uncompressed size.
   * Reads {@code layer} to its end; does not close it.
   *
   * <p>Whiteouts follow {@link ArchiveOptions#whiteoutMode()}. Entries replace what exists at
   * their path, except that a directory entry over a directory keeps the contents and takes the
   * entry's metadata (xattrs included, exactly). Directory modes and times are set last.
   *
   * @throws ArchiveException the stream is corrupt or truncated, or an entry is hostile or
   *     malformed (names the layer and the entry)
   * @throws LinkTargetMissingException overlay mode: a hardlink names a file that neither this
   *     layer nor the parents hold
   * @throws IOException writing under the root, or reading {@code layer} itself, failed (the
   *     message names the layer and entry)
   */
  public static AppliedLayer apply(Path root, InputStream layer, ArchiveOptions options)
      throws IOException {
    CountingInputStream counting = new CountingInputStream(layer, options.progress());
    try {
      return apply(root, counting, options);
    } catch (ArchiveException x) {
      IOException source = counting.failure();
      if (source == null) {
        throw x;
      }
      // the source failed (a network read, a disk), not the layer: no invalid argument
      throw new IOException(
          "layer " + x.layer() + ", " + x.entry() + ": reading the layer stream failed: "
              + source.getMessage(),
          source);
    }
  }

  private static AppliedLayer apply(
      Path root, CountingInputStream counting, ArchiveOptions options) throws IOException {
    long start = System.nanoTime();
    String name = options.layerName();
    Decompression.Opened opened;
    try {
      opened = Decompression.open(counting);
    } catch (IOException e) {
      throw new ArchiveException(name, "(stream start)", "cannot read the layer stream", e);
    }
    InputStream raw = opened.stream();
    // Read, and decompress, on a second thread while this one writes the files. The diffID is
    // hashed on whichever side has less to do: the reading one for a plain layer, this one when
    // the other decompresses (each then takes about as long on a layer of large files).
    DigestingInputStream digesting;
    ReadAheadInputStream ahead;
    InputStream top;
    if (opened.kind() == Decompression.Kind.PLAIN) {
      digesting = new DigestingInputStream(raw, Digest.newSha256());
      ahead = new ReadAheadInputStream(digesting, name);
      top = ahead;
    } else {
      ahead = new ReadAheadInputStream(raw, name);
      digesting = new DigestingInputStream(ahead, Digest.newSha256());
      top = digesting;
    }
    TarHeaderGuard guard = new TarHeaderGuard(top);
    TarArchiveInputStream tar = reader(guard);
    int entries = 0;
    Set<String> implicitDirs;
    try (raw;
        ahead;
        LayerApplier applier = new LayerApplier(root, options)) {
      String last = null;
      while (true) {
        TarArchiveEntry e;
        try {
          e = tar.getNextEntry();
        } catch (IOException x) {
          String where = last == null ? "(first header)" : "(header after " + last + ")";
          throw new ArchiveException(
              name, where, "corrupt or truncated stream: " + x.getMessage(), x);
        }
        if (e == null) {
          break;
        }
        guard.restoreNames(e);
        last = e.getName();
        applier.apply(e, tar, guard);
        entries++;
      }
      applier.finish();
      implicitDirs = applier.implicitDirs();
      try {
        InputStreams.skipByReading(top, Long.MAX_VALUE); // trailing bytes are in the diffID
        counting.finish();
      } catch (IOException x) {
        throw new ArchiveException(
            name, "(after the last entry)", "corrupt or truncated stream: " + x.getMessage(), x);
      }
    }
    AppliedLayer applied =
        new AppliedLayer(
            Digest.fromSha256(digesting.digest()), digesting.count(), implicitDirs);
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "applied layer {} ({}, {} mode): diffID {}, {} bytes, {} entries in {} ms",
          name,
          options.mediaType().isEmpty() ? "no media type" : options.mediaType(),
          options.whiteoutMode(),
          applied.diffId(),
          applied.size(),
          entries,
          (System.nanoTime() - start) / 1_000_000);
    }
    return applied;
  }
}
