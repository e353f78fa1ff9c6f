package dev.layerd.archive;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * How to apply one tar stream under a root.
 *
 * @param whiteoutMode what whiteouts do ({@link WhiteoutMode#DELETE} by default)
 * @param parents lower layer directories, top first; implicit parent directories copy their
 *     metadata from the nearest one that has them (none: 0755 root:root)
 * @param noSameOwner keep files owned by the caller instead of the tar's uid/gid (unprivileged use)
 * @param userXattr overlay xattrs in the {@code user.overlay.} namespace instead of {@code
 *     trusted.overlay.}
 * @param sync fsync what was written before returning
 * @param mediaType the layer's declared media type, a hint for decompression (magic wins)
 * @param layerName what to call the layer in errors: its digest when known
 * @param progress called with compressed bytes read so far, at least with 0 and the final count;
 *     possibly from a thread that reads the layer ahead, never from two threads at once
 */
public record ArchiveOptions(
    WhiteoutMode whiteoutMode,
    List<Path> parents,
    boolean noSameOwner,
    boolean userXattr,
    boolean sync,
    String mediaType,
    String layerName,
    LongConsumer progress) {

  public ArchiveOptions {
    Objects.requireNonNull(whiteoutMode, "whiteoutMode");
    parents = List.copyOf(parents);
    mediaType = mediaType == null ? "" : mediaType;
    layerName = layerName == null || layerName.isEmpty() ? "layer" : layerName;
    progress = Objects.requireNonNullElse(progress, n -> {});
  }

  public static ArchiveOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.whiteoutMode = whiteoutMode;
    b.parents = new ArrayList<>(parents);
    b.noSameOwner = noSameOwner;
    b.userXattr = userXattr;
    b.sync = sync;
    b.mediaType = mediaType;
    b.layerName = layerName;
    b.progress = progress;
    return b;
  }

  /** Builder for {@link ArchiveOptions}; every setter returns this. */
  public static final class Builder {
    private WhiteoutMode whiteoutMode = WhiteoutMode.DELETE;
    private List<Path> parents = new ArrayList<>();
    private boolean noSameOwner;
    private boolean userXattr;
    private boolean sync;
    private String mediaType = "";
    private String layerName = "";
    private LongConsumer progress;

    private Builder() {}

    public Builder whiteoutMode(WhiteoutMode m) {
      this.whiteoutMode = Objects.requireNonNull(m);
      return this;
    }

    public Builder parents(List<Path> parents) {
      this.parents = new ArrayList<>(parents);
      return this;
    }

    public Builder noSameOwner(boolean v) {
      this.noSameOwner = v;
      return this;
    }

    public Builder userXattr(boolean v) {
      this.userXattr = v;
      return this;
    }

    public Builder sync(boolean v) {
      this.sync = v;
      return this;
    }

    public Builder mediaType(String v) {
      this.mediaType = v;
      return this;
    }

    public Builder layerName(String v) {
      this.layerName = v;
      return this;
    }

    public Builder progress(LongConsumer v) {
      this.progress = v;
      return this;
    }

    public ArchiveOptions build() {
      return new ArchiveOptions(
          whiteoutMode, parents, noSameOwner, userXattr, sync, mediaType, layerName, progress);
    }
  }
}
