package dev.layerd.images;

import dev.layerd.content.Provider;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.ImageConfig;
import dev.layerd.oci.Index;
import dev.layerd.oci.Json;
import dev.layerd.oci.Manifest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.oci.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walking an image's content graph: index to manifests, manifest to config and layers. Reads
 * through the narrow {@link Provider}; JSON documents larger than {@link #MAX_DOCUMENT} bytes are
 * refused rather than read into memory.
 */
public final class Images {
  /** Largest manifest, index or config accepted, in bytes. */
  public static final int MAX_DOCUMENT = 32 * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(Images.class);

  private Images() {}

  /**
   * Every content digest reachable from every image: targets, nested indexes, manifests,
   * configs and layers. Blobs absent from the store are still listed when something references
   * them, but not descended into: layers discarded after unpack, or platforms never imported,
   * do not make this fail. Prune deletes blobs not in this set.
   */
  public static Set<Digest> reachable(ImageStore images, Provider content) throws IOException {
    Set<Digest> seen = new TreeSet<>();
    Deque<Descriptor> todo = new ArrayDeque<>();
    for (Image image : images.list()) {
      todo.push(image.target());
    }
    while (!todo.isEmpty()) {
      Descriptor d = todo.pop();
      if (!seen.add(d.digest())) {
        continue;
      }
      if (!MediaTypes.isIndex(d.mediaType()) && !MediaTypes.isManifest(d.mediaType())) {
        continue;
      }
      try {
        todo.addAll(children(content, d));
      } catch (NotFoundException e) {
        log.debug("reachable: {} is absent, not descending", d.digest());
      }
    }
    return seen;
  }

  /**
   * The direct children of {@code d}: an index's manifests, or a manifest's config followed by
   * its layers; nothing for other media types. Not found when the blob is absent.
   */
  public static List<Descriptor> children(Provider content, Descriptor d) throws IOException {
    if (MediaTypes.isIndex(d.mediaType())) {
      return readIndex(content, d).manifests();
    }
    if (MediaTypes.isManifest(d.mediaType())) {
      Manifest m = readManifest(content, d);
      List<Descriptor> out = new ArrayList<>(m.layers().size() + 1);
      out.add(m.config());
      out.addAll(m.layers());
      return out;
    }
    return List.of();
  }

  /**
   * The manifest an image target stands for on {@code platform}: the target itself when it is a
   * manifest, else the first matching entry of the index (nested indexes searched in order; an
   * entry without a platform is judged by its config). Not found when no entry matches.
   */
  public static Descriptor resolveManifest(Provider content, Descriptor target, Platform platform)
      throws IOException {
    if (MediaTypes.isManifest(target.mediaType())) {
      return target;
    }
    return findManifest(content, target, platform)
        .orElseThrow(
            () ->
                new NotFoundException(
                    "no manifest for platform " + platform + " in " + target.digest()
                        + " (has: " + String.join(", ", platformsOf(content, target)) + ")"));
  }

  /** The first manifest under index {@code d} for {@code platform}, searching depth first. */
  static Optional<Descriptor> findManifest(Provider content, Descriptor d, Platform platform)
      throws IOException {
    if (!MediaTypes.isIndex(d.mediaType())) {
      return Optional.empty();
    }
    for (Descriptor child : readIndex(content, d).manifests()) {
      if (MediaTypes.isIndex(child.mediaType())) {
        if (child.platform() == null || platform.matches(child.platform())) {
          Optional<Descriptor> found = findManifest(content, child, platform);
          if (found.isPresent()) {
            return found;
          }
        }
      } else if (MediaTypes.isManifest(child.mediaType())
          && platform.matches(platformOf(content, child))) {
        return Optional.of(child);
      }
    }
    return Optional.empty();
  }

  /** The platforms an index offers, for error messages; unreadable entries are skipped. */
  static List<String> platformsOf(Provider content, Descriptor d) {
    Set<String> out = new LinkedHashSet<>();
    try {
      for (Descriptor child : readIndex(content, d).manifests()) {
        if (MediaTypes.isIndex(child.mediaType())) {
          out.addAll(platformsOf(content, child));
        } else if (MediaTypes.isManifest(child.mediaType())) {
          out.add(platformOf(content, child).toString());
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("cannot list platforms of {}: {}", d.digest(), e.toString());
    }
    return List.copyOf(out);
  }

  /** The platform of a manifest: from its descriptor, else from its config. */
  static Platform platformOf(Provider content, Descriptor manifest) throws IOException {
    if (manifest.platform() != null) {
      return manifest.platform();
    }
    ImageConfig config = readConfig(content, readManifest(content, manifest));
    if (config.os() == null || config.architecture() == null) {
      throw new InvalidArgumentException(
          "image config of manifest " + manifest.digest() + " names no os/architecture");
    }
    return new Platform(config.os(), config.architecture(), config.variant());
  }

  /** Reads and parses a manifest blob. */
  public static Manifest readManifest(Provider content, Descriptor d) throws IOException {
    return Json.parse(readBlob(content, d), Manifest.class, "manifest " + d.digest());
  }

  /** Reads and parses an index blob. */
  public static Index readIndex(Provider content, Descriptor d) throws IOException {
    return Json.parse(readBlob(content, d), Index.class, "index " + d.digest());
  }

  /** Reads and parses the config a manifest names. */
  public static ImageConfig readConfig(Provider content, Manifest m) throws IOException {
    Descriptor d = m.config();
    return Json.parse(readBlob(content, d), ImageConfig.class, "image config " + d.digest());
  }

  /** A small blob's bytes; refuses descriptors over {@link #MAX_DOCUMENT}. */
  public static byte[] readBlob(Provider content, Descriptor d) throws IOException {
    if (d.size() > MAX_DOCUMENT) {
      throw new InvalidArgumentException(
          d.mediaType() + " " + d.digest() + " is " + d.size() + " bytes, more than the "
              + MAX_DOCUMENT + " accepted for a JSON document");
    }
    try (InputStream in = content.open(d.digest())) {
      byte[] bytes = in.readNBytes(MAX_DOCUMENT + 1);
      if (bytes.length > MAX_DOCUMENT) {
        throw new InvalidArgumentException(
            d.mediaType() + " " + d.digest() + " is larger than " + MAX_DOCUMENT + " bytes");
      }
      return bytes;
    }
  }
}
