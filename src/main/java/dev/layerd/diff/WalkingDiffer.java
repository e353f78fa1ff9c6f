package dev.layerd.diff;

import dev.layerd.archive.ArchiveOptions;
import dev.layerd.archive.WhiteoutMode;
import dev.layerd.content.Provider;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.linux.Errno;
import dev.layerd.linux.ErrnoException;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OtherMount;
import dev.layerd.mount.OverlayMount;
import dev.layerd.mount.TempMount;
import dev.layerd.oci.Descriptor;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * Applies a layer onto the merged tree the mounts show, deleting what its whiteouts name. A single
 * read-write bind mount is written straight into its source; anything else is mounted on a
 * temporary directory first (needs root; without the privilege to mount it answers "not
 * implemented"). Needs the lower layers present, so it refuses parallel application.
 */
final class WalkingDiffer implements Applier {
  static final String NAME = "walking";

  private final Provider provider;
  private final TarApplier tar;
  private final DifferOptions options;

  WalkingDiffer(Provider provider, TarApplier tar, DifferOptions options) {
    this.provider = Objects.requireNonNull(provider, "walking differ needs a content provider");
    this.tar = Objects.requireNonNull(tar, "tar");
    this.options = Objects.requireNonNull(options, "walking differ needs its options");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Descriptor apply(Descriptor layer, List<Mount> mounts, ApplyOptions applyOptions)
      throws IOException {
    check(mounts, applyOptions);
    ArchiveOptions archiveOptions =
        ArchiveOptions.builder()
            .whiteoutMode(WhiteoutMode.DELETE)
            .noSameOwner(options.noSameOwner())
            .build();
    if (mounts.size() == 1 && mounts.getFirst() instanceof BindMount b) {
      return LayerApplication.apply(
          provider, tar, layer, b.sourceDir(), archiveOptions, applyOptions);
    }
    TempMount tmp = mount(mounts);
    Descriptor applied;
    try {
      applied =
          LayerApplication.apply(provider, tar, layer, tmp.path(), archiveOptions, applyOptions);
    } catch (IOException | RuntimeException e) {
      try {
        tmp.close();
      } catch (IOException | RuntimeException c) {
        e.addSuppressed(c);
      }
      throw e;
    }
    tmp.close();
    return applied;
  }

  /**
   * Mounts for applying. Without the privilege to mount (rootless) this differ cannot work at all,
   * which is "not implemented" so that the next differ gets its turn; nothing was changed yet.
   */
  private TempMount mount(List<Mount> mounts) throws IOException {
    try {
      return TempMount.mount(mounts, options.mountRoot());
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EPERM) {
        throw new NotImplementedException(
            "walking differ cannot mount without privilege: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  private static void check(List<Mount> mounts, ApplyOptions applyOptions) {
    if (applyOptions.parallel()) {
      throw new NotImplementedException(
          "walking differ needs the lower layers present; it cannot apply in parallel");
    }
    LayerApplication.checkPayloads(NAME, applyOptions);
    if (mounts.isEmpty()) {
      throw new InvalidArgumentException("walking differ: no mounts to apply onto");
    }
    Mount top = mounts.getLast();
    boolean readOnly =
        switch (top) {
          case BindMount b -> b.readOnly();
          case OverlayMount o -> o.readOnly() || o.extraOptions().contains("ro");
          case OtherMount o -> false;
        };
    if (readOnly) {
      throw new NotImplementedException("walking differ cannot apply onto a read-only mount");
    }
    for (Mount m : mounts) {
      if (m instanceof OtherMount o) {
        throw new NotImplementedException(
            "walking differ cannot mount type " + o.type() + " (only bind and overlay)");
      }
    }
  }
}
