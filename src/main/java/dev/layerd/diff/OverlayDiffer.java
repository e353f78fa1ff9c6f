package dev.layerd.diff;

import dev.layerd.archive.ArchiveOptions;
import dev.layerd.archive.WhiteoutMode;
import dev.layerd.content.Provider;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OtherMount;
import dev.layerd.mount.OverlayMount;
import dev.layerd.oci.Descriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Writes a layer as one overlayfs layer, without mounting anything: into a bind mount's source, or
 * into an overlay mount's upperdir with its lowerdirs consulted for implicit directories.
 * Whiteouts become 0/0 character devices and opaque markers the overlay opaque xattr (in {@code
 * user.} when the mount has {@code userxattr}). Never looks at lower content, so parallel
 * application is fine.
 */
final class OverlayDiffer implements Applier {
  static final String NAME = "overlay";

  private final Provider provider;
  private final TarApplier tar;
  private final DifferOptions options;

  OverlayDiffer(Provider provider, TarApplier tar, DifferOptions options) {
    this.provider = Objects.requireNonNull(provider, "overlay differ needs a content provider");
    this.tar = Objects.requireNonNull(tar, "tar");
    this.options = Objects.requireNonNull(options, "overlay differ needs its options");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Descriptor apply(Descriptor layer, List<Mount> mounts, ApplyOptions applyOptions)
      throws IOException {
    LayerApplication.checkPayloads(NAME, applyOptions);
    if (mounts.size() != 1) {
      throw new NotImplementedException(
          "overlay differ applies onto exactly one mount, got " + mounts.size());
    }
    ArchiveOptions.Builder archiveOptions =
        ArchiveOptions.builder()
            .whiteoutMode(WhiteoutMode.OVERLAY)
            .noSameOwner(options.noSameOwner());
    Path root =
        switch (mounts.getFirst()) {
          case BindMount b -> {
            if (b.readOnly()) {
              throw new NotImplementedException(
                  "overlay differ cannot apply onto a read-only bind mount of " + b.sourceDir());
            }
            yield b.sourceDir();
          }
          case OverlayMount o -> {
            if (o.readOnly() || o.extraOptions().contains("ro")) {
              throw new NotImplementedException(
                  "overlay differ cannot apply onto a read-only overlay mount (no upperdir)");
            }
            archiveOptions.parents(o.lowerDirs()).userXattr(o.userXattr());
            yield o.upperDir();
          }
          case OtherMount o ->
              throw new NotImplementedException(
                  "overlay differ cannot apply onto mount type "
                      + o.type()
                      + " (only bind and overlay)");
        };
    return LayerApplication.apply(
        provider, tar, layer, root, archiveOptions.build(), applyOptions);
  }
}
