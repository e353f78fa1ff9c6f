package dev.layerd.images;

import dev.layerd.content.ContentInfo;
import dev.layerd.content.ContentStore;
import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * One streaming pass over an image archive (a tar, maybe gzip- or zstd-compressed), storing every
 * file as it goes, so memory stays bounded and nothing is extracted to a temporary directory.
 *
 * <p>Entries named {@code blobs/<alg>/<hex>} are ingested and verified against that digest; a
 * corrupt one is remembered and fails the import only if something references it. The small
 * top-level documents ({@code index.json}, {@code oci-layout}, {@code manifest.json}) are kept in
 * memory. Any other regular file (docker-archive layers and configs) is stored with its digest
 * computed while writing. Because the documents may come last, everything is stored before
 * anything is known to be needed: blobs of platforms not selected end up in the store
 * unreferenced, and prune removes them.
 */
final class ArchiveScan implements BlobSource {
  private static final Pattern BLOB = Pattern.compile("blobs/(sha256|sha512)/([0-9a-f]+)");
  private static final Set<String> DOCUMENTS =
      Set.of("index.json", "oci-layout", "manifest.json", "repositories");
  private static final int MAX_LINK_HOPS = 16;

  private final Path file;
  private final ContentStore store;
  private final Map<String, byte[]> documents = new HashMap<>();
  private final Map<String, ContentInfo> files = new HashMap<>();
  private final Map<String, Digest> blobPaths = new HashMap<>();
  private final Map<String, String> links = new HashMap<>();
  private final Map<Digest, DigestMismatchException> corrupt = new HashMap<>();

  private ArchiveScan(Path file, ContentStore store) {
    this.file = file;
    this.store = store;
  }

  /** Reads {@code file} to its end, storing its content in {@code store}. */
  static ArchiveScan scan(Path file, ContentStore store) throws IOException {
    ArchiveScan scan = new ArchiveScan(file, store);
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = decompress(new BufferedInputStream(raw, 64 * 1024));
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      int entries = 0;
      TarArchiveEntry e;
      while ((e = nextEntry(tar, file)) != null) {
        entries++;
        scan.accept(e, tar);
      }
      if (entries == 0) {
        throw new InvalidArgumentException(file + " is not an image archive: no tar entries");
      }
    }
    return scan;
  }

  @Override
  public String archive() {
    return file.toString();
  }

  /** A top-level document ({@code index.json}, {@code manifest.json}, ...), or null. */
  byte[] document(String name) {
    return documents.get(name);
  }

  /**
   * The stored content of the archive file at {@code path} (following links inside the archive),
   * or null when the archive has no such file.
   */
  ContentInfo file(String path) throws IOException {
    String p = normalize(path);
    for (int hop = 0; hop < MAX_LINK_HOPS && links.containsKey(p); hop++) {
      p = links.get(p);
    }
    ContentInfo info = files.get(p);
    if (info != null) {
      return info;
    }
    Digest d = blobPaths.get(p);
    if (d != null) {
      DigestMismatchException bad = corrupt.get(d);
      if (bad != null) {
        throw bad;
      }
      return store.info(d);
    }
    return null;
  }

  @Override
  public void ensure(Descriptor d) throws IOException {
    if (BlobSource.presentWithSize(store, d, archive())) {
      return;
    }
    DigestMismatchException bad = corrupt.get(d.digest());
    if (bad != null) {
      throw bad;
    }
    throw BlobSource.missing(d, archive(), null);
  }

  private void accept(TarArchiveEntry e, TarArchiveInputStream tar) throws IOException {
    String path = normalize(e.getName());
    if (e.isSymbolicLink()) {
      links.put(path, resolveLink(path, e.getLinkName()));
      return;
    }
    if (e.isLink()) {
      links.put(path, normalize(e.getLinkName()));
      return;
    }
    if (!e.isFile()) {
      return;
    }
    Matcher m = BLOB.matcher(path);
    if (m.matches() && validDigest(m.group(1), m.group(2))) {
      Digest d = new Digest(m.group(1), m.group(2));
      blobPaths.put(path, d);
      try {
        store.ingest(new Descriptor("", d, e.getSize()), tar, Map.of());
      } catch (DigestMismatchException bad) {
        corrupt.put(d, BlobSource.inArchive(bad, path, archive()));
      }
    } else if (DOCUMENTS.contains(path)) {
      documents.put(path, readDocument(tar, path));
    } else if (!isLegacyMetadata(path)) {
      files.put(path, store.write(tar, Map.of()));
    }
  }

  private byte[] readDocument(InputStream in, String path) {
    try {
      byte[] b = in.readNBytes(Images.MAX_DOCUMENT + 1);
      if (b.length > Images.MAX_DOCUMENT) {
        throw new InvalidArgumentException(path + " in " + file + " is larger than "
            + Images.MAX_DOCUMENT + " bytes");
      }
      return b;
    } catch (IOException e) {
      throw new InvalidArgumentException("cannot read " + path + " in " + file, e);
    }
  }

  /** Old docker save writes {@code <id>/json} and {@code <id>/VERSION}; import needs neither. */
  private static boolean isLegacyMetadata(String path) {
    return path.endsWith("/json") || path.endsWith("/VERSION");
  }

  private static boolean validDigest(String alg, String hex) {
    return hex.length() == (alg.equals("sha256") ? 64 : 128);
  }

  private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, Path file)
      throws IOException {
    try {
      return tar.getNextEntry();
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidArgumentException(
          file + " is not a readable image archive (tar): " + e.getMessage(), e);
    }
  }

  private static InputStream decompress(BufferedInputStream in) throws IOException {
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return new GzipCompressorInputStream(in, true);
    }
    if (magic.length == 4
        && (magic[0] & 0xff) == 0x28
        && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return new ZstdCompressorInputStream(in);
    }
    return in;
  }

  /** Archive paths compared as written, without {@code ./} or leading slashes. */
  static String normalize(String name) {
    String p = Path.of("/").resolve(name).normalize().toString();
    return p.equals("/") ? "" : p.substring(1);
  }

  private static String resolveLink(String path, String target) {
    if (target.startsWith("/")) {
      return normalize(target);
    }
    Path parent = Path.of("/").resolve(path).getParent();
    return normalize(parent.resolve(target).toString());
  }
}
