package dev.layerd.unpack;

import dev.layerd.content.ContentStore;
import dev.layerd.content.Provider;
import dev.layerd.diff.Applier;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.snapshots.Snapshotter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Unpacks an image's layers into committed snapshots named by chain ID, as containerd's unpacker
 * does, with the parallel mode done right.
 *
 * <p>For each layer, bottom first, the unpacker takes a lock on its chain ID (threads of this
 * process and, with a lock directory, other processes), held until that layer is committed, and
 * skips the layer when a snapshot of that name is already committed. So a second unpack of an
 * image sharing base layers waits only for those, layer by layer. The other layers are applied:
 *
 * <ul>
 *   <li><b>parallel</b> (the snapshotter can rebase, some configured differ accepts parallel work,
 *       more than one apply slot): each layer is prepared with no parent and applied at the same
 *       time as the others, up to {@link UnpackOptions#maxConcurrentUnpacks()}; then, strictly in
 *       layer order, its diffID is checked against the image config, the directories it created
 *       without listing them get their metadata from the lower layers, and it is committed on top
 *       of the previous chain ID. A layer that cannot be applied without its lower layers (a
 *       hardlink to a file in one, or a differ that answers "not implemented") is applied again on
 *       its parent chain once that is committed, and says so at info level.
 *   <li><b>sequential</b>: each layer is prepared on the previous chain ID, applied, checked and
 *       committed before the next starts. Why parallel was not possible is logged at info level.
 * </ul>
 *
 * <p>Both modes give the same merged tree. Any failure aborts the unpack: active snapshots are
 * removed (cleanup failures attached as suppressed), snapshots committed so far are kept, and an
 * {@link UnpackException} names the layer's index, digest and the cause. After a successful unpack,
 * each applied compressed blob is labelled {@link UnpackLabels#UNCOMPRESSED} with its diffID and
 * the image config {@link UnpackLabels#gcRefSnapshot} with the top chain ID.
 *
 * <p>Immutable and thread-safe; concurrent unpacks of the same image wait for each other and the
 * later one skips what the earlier one committed.
 */
public final class Unpacker {
  /** Differs that need the lower layers present and so cannot apply in parallel. */
  public static final Set<String> PARALLEL_DENY_LIST = Set.of("walking");

  final Provider content;
  final ContentStore store;
  final Snapshotter snapshotter;
  final Applier applier;
  final List<String> differs;
  final ChainLocks locks;
  final Predicate<Digest> blobInUse;
  final boolean fixImplicitDirs;

  private Unpacker(Builder b) {
    this.content = Objects.requireNonNull(b.content, "content provider");
    this.store = b.store != null ? b.store : b.content instanceof ContentStore s ? s : null;
    this.snapshotter = Objects.requireNonNull(b.snapshotter, "snapshotter");
    this.applier = Objects.requireNonNull(b.applier, "applier");
    this.differs = b.differs == null ? List.of(b.applier.name()) : List.copyOf(b.differs);
    this.locks = new ChainLocks(b.lockDir);
    this.blobInUse = b.blobInUse;
    this.fixImplicitDirs = b.fixImplicitDirs;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The snapshotter layers are committed into. */
  public Snapshotter snapshotter() {
    return snapshotter;
  }

  /**
   * Unpacks the image whose manifest is {@code manifest} (already resolved to one platform; its
   * config and layers read from the content provider).
   *
   * @param image the image's name, used in logs and errors
   * @throws UnpackException when a layer fails; the cause says why
   * @throws dev.layerd.errdefs.NotFoundException when the manifest or config blob is missing
   * @throws dev.layerd.errdefs.InvalidArgumentException when manifest and config disagree
   */
  public UnpackResult unpack(String image, Descriptor manifest, UnpackOptions options)
      throws IOException {
    return new UnpackRun(this, image, manifest, options).run();
  }

  /** Builder for {@link Unpacker}; content, snapshotter and applier are required. */
  public static final class Builder {
    private Provider content;
    private ContentStore store;
    private Snapshotter snapshotter;
    private Applier applier;
    private List<String> differs;
    private Path lockDir;
    private Predicate<Digest> blobInUse = d -> false;
    private boolean fixImplicitDirs = true;

    private Builder() {}

    /**
     * Where blobs are read. When it is also a {@link ContentStore}, it is labelled and blobs are
     * discarded in it.
     */
    public Builder content(Provider content) {
      this.content = Objects.requireNonNull(content);
      return this;
    }

    /** The store to label and discard blobs in, when it differs from the provider. */
    public Builder store(ContentStore store) {
      this.store = store;
      return this;
    }

    public Builder snapshotter(Snapshotter snapshotter) {
      this.snapshotter = Objects.requireNonNull(snapshotter);
      return this;
    }

    /** Applies each layer: usually the diff service, which tries its differs in order. */
    public Builder applier(Applier applier) {
      this.applier = Objects.requireNonNull(applier);
      return this;
    }

    /**
     * The names of the differs {@code applier} will try, in order; parallel mode needs one not on
     * {@link #PARALLEL_DENY_LIST}. Defaults to the applier's own name.
     */
    public Builder differs(List<String> differs) {
      this.differs = List.copyOf(differs);
      return this;
    }

    /** Directory for the cross-process chain ID lock files; none locks within the process only. */
    public Builder lockDir(Path lockDir) {
      this.lockDir = lockDir;
      return this;
    }

    /**
     * Whether a blob is still needed by something other than the image being unpacked (another
     * image that is not unpacked, for example). Consulted when discarding layers; by default
     * nothing else needs a blob.
     */
    public Builder blobInUse(Predicate<Digest> blobInUse) {
      this.blobInUse = Objects.requireNonNull(blobInUse);
      return this;
    }

    /**
     * Whether parallel mode gives implicit directories their lower layers' metadata at commit time
     * (default true). Turning it off reproduces containerd's parallel results.
     */
    public Builder fixImplicitDirs(boolean v) {
      this.fixImplicitDirs = v;
      return this;
    }

    public Unpacker build() {
      return new Unpacker(this);
    }
  }
}
