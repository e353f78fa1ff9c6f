package dev.layerd.diff;

import dev.layerd.content.ContentStore;
import dev.layerd.content.Provider;
import dev.layerd.errdefs.InvalidArgumentException;
import java.util.List;

/**
 * Builds the differs layerd ships. Each reads blobs through the given provider, verifies them, and
 * applies them with the archive package; each is thread-safe. Bad arguments fail here, with the
 * reason, never at apply time.
 */
public final class Differs {
  /** Applies onto the merged tree, deleting whited-out paths; refuses parallel application. */
  public static final String WALKING = WalkingDiffer.NAME;

  /** Writes one overlayfs layer (whiteout devices, opaque xattrs); parallel-safe. */
  public static final String OVERLAY = OverlayDiffer.NAME;

  /** Every differ name {@link #named} knows, in the default order. */
  public static final List<String> NAMES = List.of(WALKING, OVERLAY);

  private Differs() {}

  public static Applier walking(Provider provider) {
    return walking(provider, DifferOptions.defaults());
  }

  public static Applier walking(Provider provider, DifferOptions options) {
    return new WalkingDiffer(checked(provider), TarApplier.ARCHIVES, checked(options));
  }

  public static Applier overlay(Provider provider) {
    return overlay(provider, DifferOptions.defaults());
  }

  public static Applier overlay(Provider provider, DifferOptions options) {
    return new OverlayDiffer(checked(provider), TarApplier.ARCHIVES, checked(options));
  }

  /**
   * The comparer that mounts both sides read-only, walks them and writes the layer into {@code
   * store} (plain, gzip or zstd tar by the requested media type).
   */
  public static Comparer walkingComparer(ContentStore store, DifferOptions options) {
    if (store == null) {
      throw new InvalidArgumentException("a comparer needs a content store; got none");
    }
    return new WalkingComparer(store, checked(options));
  }

  /** The differ called {@code name}; {@link InvalidArgumentException} for an unknown name. */
  public static Applier named(String name, Provider provider, DifferOptions options) {
    return switch (name) {
      case WalkingDiffer.NAME -> walking(provider, options);
      case OverlayDiffer.NAME -> overlay(provider, options);
      case null -> throw new InvalidArgumentException("differ name is missing");
      default ->
          throw new InvalidArgumentException(
              "unknown differ " + name + " (known: " + String.join(", ", NAMES) + ")");
    };
  }

  private static Provider checked(Provider provider) {
    if (provider == null) {
      throw new InvalidArgumentException("a differ needs a content provider; got none");
    }
    return provider;
  }

  private static DifferOptions checked(DifferOptions options) {
    if (options == null) {
      throw new InvalidArgumentException("differ options are missing");
    }
    return options;
  }
}
