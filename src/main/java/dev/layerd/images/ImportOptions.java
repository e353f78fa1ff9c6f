package dev.layerd.images;

import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.oci.Platform;

/**
 * How {@link Importer} names and filters what it imports.
 *
 * @param name image name given by the user, or null. A name with a tag or digest
 *     ({@code repo:tag}, {@code repo@sha256:...}) names the archive's single image and fails when
 *     the archive holds several. A bare repository ({@code example.com/app}) is combined with each
 *     image's tag ({@code example.com/app:<tag>}), or used as is for an image with no tag.
 * @param platform platform to keep from multi-platform indexes; null means the host's
 * @param allPlatforms keep every platform: the image target is then the index itself, and every
 *     manifest under it is imported and verified
 */
public record ImportOptions(String name, Platform platform, boolean allPlatforms) {
  public ImportOptions {
    if (name != null && name.isBlank()) {
      throw new InvalidArgumentException("image name is blank");
    }
  }

  /** No name override, the host platform only. */
  public static ImportOptions defaults() {
    return new ImportOptions(null, null, false);
  }

  public ImportOptions withName(String name) {
    return new ImportOptions(name, platform, allPlatforms);
  }

  public ImportOptions withPlatform(Platform platform) {
    return new ImportOptions(name, platform, allPlatforms);
  }

  public ImportOptions withAllPlatforms(boolean allPlatforms) {
    return new ImportOptions(name, platform, allPlatforms);
  }

  /** The platform to select: the one given, else the host's. */
  public Platform effectivePlatform() {
    return platform != null ? platform : Platform.host();
  }
}
