package dev.layerd.images;

import com.fasterxml.jackson.databind.JsonNode;
import dev.layerd.content.ContentStore;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Index;
import dev.layerd.oci.Json;
import dev.layerd.oci.Manifest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports images from an OCI image layout directory, an OCI archive (the layout in a tar,
 * possibly gzip- or zstd-compressed) or a docker-archive ({@code docker save} format).
 *
 * <p>Every blob the images reference is verified against its digest and size before any image
 * record is written; a corrupt or missing blob fails the whole import and names no image. Blobs
 * verified before the failure stay in the content store (prune removes them if unreferenced).
 * Existing images with the same names are replaced.
 *
 * <p>A docker-archive image becomes an OCI manifest written by the import, with an OCI config
 * descriptor and layer media types taken from the layers' magic. A multi-platform index keeps
 * only the selected platform's manifest (which becomes the image target) unless all platforms
 * are asked for (then the index is the target).
 *
 * <p>Thread-safe as far as the stores are.
 */
public final class Importer {
  private static final Logger log = LoggerFactory.getLogger(Importer.class);

  private final ContentStore content;
  private final ImageStore images;

  public Importer(ContentStore content, ImageStore images) {
    this.content = Objects.requireNonNull(content, "content");
    this.images = Objects.requireNonNull(images, "images");
  }

  /**
   * Imports every image in {@code source} and returns the image records written, in archive
   * order. Invalid argument for an unrecognised or malformed archive and for an image that cannot
   * be named; not found for a missing blob or a platform the archive lacks; digest mismatch for a
   * corrupt blob.
   */
  public List<Image> importArchive(Path source, ImportOptions opts) throws IOException {
    Objects.requireNonNull(opts, "opts");
    List<Named> found;
    if (Files.isDirectory(source)) {
      found = importLayout(source, opts);
    } else if (Files.isRegularFile(source)) {
      found = importArchiveFile(source, opts);
    } else {
      throw new NotFoundException("image archive " + source + " not found");
    }
    List<ImageNames.Candidate> candidates = found.stream().map(Named::candidate).toList();
    List<List<String>> names = ImageNames.assign(candidates, opts.name(), source.toString());
    List<Image> out = new ArrayList<>();
    for (int i = 0; i < found.size(); i++) {
      for (String name : names.get(i)) {
        Image stored = images.put(new Image(name, found.get(i).target()));
        log.info("imported image {} -> {}", name, stored.target());
        out.add(stored);
      }
    }
    return out;
  }

  /** An image found in an archive, before naming. */
  private record Named(ImageNames.Candidate candidate, Descriptor target) {}

  private List<Named> importLayout(Path dir, ImportOptions opts) throws IOException {
    byte[] layout = readLayoutFile(dir, "oci-layout");
    byte[] index = readLayoutFile(dir, "index.json");
    return importIndex(layout, index, new LayoutDirectory(dir, content), opts);
  }

  private List<Named> importArchiveFile(Path file, ImportOptions opts) throws IOException {
    ArchiveScan scan = ArchiveScan.scan(file, content);
    byte[] layout = scan.document("oci-layout");
    byte[] index = scan.document("index.json");
    if (layout != null && index != null) {
      return importIndex(layout, index, scan, opts);
    }
    if (scan.document("manifest.json") != null) {
      List<Named> out = new ArrayList<>();
      int n = 0;
      for (DockerArchive.Converted c : new DockerArchive(scan, content).convert()) {
        n++;
        out.add(new Named(
            new ImageNames.Candidate("image #" + n + " of manifest.json", c.repoTags(), null),
            c.manifest()));
      }
      return out;
    }
    throw new InvalidArgumentException(
        file + " is neither an OCI archive (oci-layout and index.json) nor a docker-archive"
            + " (manifest.json)");
  }

  private static byte[] readLayoutFile(Path dir, String name) throws IOException {
    Path p = dir.resolve(name);
    try {
      if (Files.size(p) > Images.MAX_DOCUMENT) {
        throw new InvalidArgumentException(p + " is larger than " + Images.MAX_DOCUMENT + " bytes");
      }
      return Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw new InvalidArgumentException(
          dir + " is not an OCI image layout: " + name + " is missing", e);
    }
  }

  private List<Named> importIndex(byte[] layout, byte[] indexJson, BlobSource src,
      ImportOptions opts) throws IOException {
    checkLayoutVersion(layout, src.archive());
    Index index = Json.parse(indexJson, Index.class, "index.json in " + src.archive());
    if (index.manifests().isEmpty()) {
      throw new InvalidArgumentException("index.json in " + src.archive() + " lists no image");
    }
    List<Named> out = new ArrayList<>();
    int n = 0;
    for (Descriptor entry : index.manifests()) {
      n++;
      Descriptor d = withKnownMediaType(entry, src);
      Descriptor target;
      if (MediaTypes.isManifest(d.mediaType())) {
        ensureManifest(d, src);
        target = d;
      } else if (MediaTypes.isIndex(d.mediaType())) {
        target = opts.allPlatforms() ? ensureAll(d, src) : select(d, opts, src);
      } else {
        throw new InvalidArgumentException(
            "entry " + entry.digest() + " of index.json in " + src.archive()
                + " has unsupported media type '" + d.mediaType() + "'");
      }
      out.add(new Named(candidate(entry, n), target));
    }
    return out;
  }

  private static ImageNames.Candidate candidate(Descriptor entry, int n) {
    List<String> full = new ArrayList<>();
    String bareTag = null;
    String containerdName = entry.annotations().get(Index.CONTAINERD_IMAGE_NAME);
    if (containerdName != null && !containerdName.isBlank()) {
      full.add(containerdName);
    }
    String ref = entry.annotations().get(Index.REF_NAME);
    if (ref != null && !ref.isBlank()) {
      if (ImageNames.isBareTag(ref)) {
        bareTag = ref;
      } else if (full.isEmpty()) {
        full.add(ref);
      }
    }
    return new ImageNames.Candidate("image #" + n + " of index.json", full, bareTag);
  }

  private static void checkLayoutVersion(byte[] layout, String archive) {
    JsonNode node = Json.parse(layout, JsonNode.class, "oci-layout in " + archive);
    JsonNode v = node.get("imageLayoutVersion");
    if (v == null || !v.isTextual() || !v.asText().startsWith("1.")) {
      throw new InvalidArgumentException(
          "oci-layout in " + archive + " has unsupported imageLayoutVersion " + v);
    }
  }

  /** Fetches {@code d} and, if its descriptor lacks a media type, takes the blob's own. */
  private Descriptor withKnownMediaType(Descriptor d, BlobSource src) throws IOException {
    src.ensure(d);
    if (!d.mediaType().isEmpty()) {
      return d;
    }
    JsonNode node =
        Json.parse(Images.readBlob(content, d), JsonNode.class, "blob " + d.digest());
    JsonNode mt = node.get("mediaType");
    if (mt != null && mt.isTextual()) {
      return d.withMediaType(mt.asText());
    }
    if (node.has("manifests")) {
      return d.withMediaType(MediaTypes.OCI_INDEX);
    }
    if (node.has("config")) {
      return d.withMediaType(MediaTypes.OCI_MANIFEST);
    }
    return d;
  }

  private void ensureManifest(Descriptor d, BlobSource src) throws IOException {
    src.ensure(d);
    Manifest m = Images.readManifest(content, d);
    src.ensure(m.config());
    for (Descriptor layer : m.layers()) {
      src.ensure(layer);
    }
    log.debug("verified manifest {} ({} layers) from {}", d.digest(), m.layers().size(),
        src.archive());
  }

  /** Verifies an index and everything under it; returns it as the target. */
  private Descriptor ensureAll(Descriptor index, BlobSource src) throws IOException {
    src.ensure(index);
    for (Descriptor child : Images.readIndex(content, index).manifests()) {
      Descriptor c = withKnownMediaType(child, src);
      if (MediaTypes.isIndex(c.mediaType())) {
        ensureAll(c, src);
      } else if (MediaTypes.isManifest(c.mediaType())) {
        ensureManifest(c, src);
      } else {
        // Attestations and other artifacts ride along unverified beyond their own blob.
        log.debug("index {} entry {} has media type {}; kept as a blob", index.digest(),
            c.digest(), c.mediaType());
      }
    }
    return index;
  }

  /** The manifest for the wanted platform under {@code index}, verified. */
  private Descriptor select(Descriptor index, ImportOptions opts, BlobSource src)
      throws IOException {
    Platform want = opts.effectivePlatform();
    Optional<Descriptor> m = find(index, want, src);
    if (m.isEmpty()) {
      throw new NotFoundException(
          "no image for platform " + want + " in " + src.archive() + " (index " + index.digest()
              + " has: " + String.join(", ", Images.platformsOf(content, index))
              + "); pass --platform or --all-platforms");
    }
    ensureManifest(m.get(), src);
    return m.get();
  }

  private Optional<Descriptor> find(Descriptor index, Platform want, BlobSource src)
      throws IOException {
    src.ensure(index);
    for (Descriptor child : Images.readIndex(content, index).manifests()) {
      if (child.platform() != null && !want.matches(child.platform())) {
        continue;
      }
      Descriptor c = withKnownMediaType(child, src);
      if (MediaTypes.isIndex(c.mediaType())) {
        Optional<Descriptor> found = find(c, want, src);
        if (found.isPresent()) {
          return found;
        }
      } else if (MediaTypes.isManifest(c.mediaType())) {
        if (c.platform() == null) {
          src.ensure(Images.readManifest(content, c).config());
        }
        if (want.matches(Images.platformOf(content, c))) {
          return Optional.of(c);
        }
      }
    }
    return Optional.empty();
  }
}
