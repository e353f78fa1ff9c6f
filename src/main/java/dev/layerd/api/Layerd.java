package dev.layerd.api;

import dev.layerd.config.Config;
import dev.layerd.config.ConfigLoader;
import dev.layerd.config.LoadedConfig;
import dev.layerd.config.UnpackConfig;
import dev.layerd.content.ContentInfo;
import dev.layerd.content.ContentStore;
import dev.layerd.content.ContentStores;
import dev.layerd.diff.Applier;
import dev.layerd.diff.ApplyOptions;
import dev.layerd.diff.DiffService;
import dev.layerd.diff.DifferOptions;
import dev.layerd.errdefs.FailedPreconditionException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.images.Image;
import dev.layerd.images.ImageStore;
import dev.layerd.images.ImageStores;
import dev.layerd.images.Images;
import dev.layerd.images.ImportOptions;
import dev.layerd.images.Importer;
import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.Mounter;
import dev.layerd.mount.OverlayMount;
import dev.layerd.oci.ChainIds;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.oci.Platform;
import dev.layerd.snapshots.Kind;
import dev.layerd.snapshots.NativeOptions;
import dev.layerd.snapshots.OverlayOptions;
import dev.layerd.snapshots.SnapshotInfo;
import dev.layerd.snapshots.Snapshotter;
import dev.layerd.snapshots.Snapshotters;
import dev.layerd.unpack.UnpackOptions;
import dev.layerd.unpack.UnpackResult;
import dev.layerd.unpack.Unpacker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * layerd for a JVM program: one root directory (content store, image records, snapshots, metadata
 * database) and the operations the {@code layerd} command offers.
 *
 * <pre>{@code
 * LayerdOptions options = LayerdOptions.defaults().withRoot(Path.of("/var/lib/layerd"));
 * try (Layerd layerd = Layerd.open(options)) {
 *   List<Image> imported = layerd.importImage(Path.of("app.tar"), ImportOptions.defaults());
 *   UnpackResult r = layerd.unpack(imported.getFirst().name(), UnpackRequest.defaults());
 *   layerd.mount(imported.getFirst().name(), Path.of("/mnt/app"), false, null);
 *   // ... read /mnt/app ...
 *   layerd.unmount(Path.of("/mnt/app"));
 * }
 * }</pre>
 *
 * <p>Several {@code Layerd} instances, in one process or several, may share a root: the stores and
 * the unpacker lock what they share. Methods are thread-safe. Failures are {@link
 * dev.layerd.errdefs.LayerdException}s of a kind (not found, invalid argument...) or {@link
 * IOException}s, naming the image, digest, snapshot key or path concerned.
 */
public final class Layerd implements AutoCloseable {
  /** Label on a view or active snapshot made by {@link #mount}: the target it is mounted on. */
  public static final String MOUNT_TARGET_LABEL = "layerd.dev/mount-target";

  private static final Logger LOG = LoggerFactory.getLogger(Layerd.class);
  private static final List<String> SNAPSHOTTERS =
      List.of(Snapshotters.OVERLAYFS, Snapshotters.NATIVE);

  /** Opens the snapshotter of a name; production opens it under the root. */
  @FunctionalInterface
  interface SnapshotterFactory {
    Snapshotter open(String name) throws IOException;
  }

  /** Builds the applier for a differ order over a content provider. */
  @FunctionalInterface
  interface ApplierFactory {
    Applier create(dev.layerd.content.Provider content, List<String> order);
  }

  private final Path root;
  private final LoadedConfig loaded;
  private final MetadataDatabase db;
  private final ContentStore content;
  private final ImageStore images;
  private final SnapshotterFactory snapshotterFactory;
  private final ApplierFactory applierFactory;
  private final Map<String, Snapshotter> snapshotters = new LinkedHashMap<>();
  private final GcLock gcLock;

  Layerd(
      Path root,
      LoadedConfig loaded,
      MetadataDatabase db,
      ContentStore content,
      ImageStore images,
      SnapshotterFactory snapshotterFactory,
      ApplierFactory applierFactory) {
    this.root = Objects.requireNonNull(root, "root");
    this.loaded = Objects.requireNonNull(loaded, "config");
    this.db = db;
    this.content = Objects.requireNonNull(content, "content");
    this.images = Objects.requireNonNull(images, "images");
    this.snapshotterFactory = Objects.requireNonNull(snapshotterFactory);
    this.applierFactory = Objects.requireNonNull(applierFactory);
    this.gcLock = new GcLock(root.resolve("locks").resolve("gc"));
  }

  /**
   * Opens (creating when missing) the root named by {@code options} or by the config: its metadata
   * database, content store and image store. Snapshotters open on first use. Config warnings and
   * deprecations are logged at warn by the loader.
   *
   * @throws dev.layerd.config.ConfigException for a config file that cannot be used
   */
  public static Layerd open(LayerdOptions options) throws IOException {
    LoadedConfig loaded =
        options.configFile() != null
            ? ConfigLoader.load(options.configFile())
            : ConfigLoader.loadOrDefaults(Config.DEFAULT_PATH);
    Config cfg = loaded.config();
    Path root = (options.root() != null ? options.root() : defaultRoot(cfg)).toAbsolutePath();
    Files.createDirectories(root);
    MetadataDatabase db = MetadataDatabase.open(root.resolve("metadata.db"));
    try {
      ContentStore content = ContentStores.open(root, db);
      ImageStore images = ImageStores.open(db);
      DifferOptions differOptions =
          DifferOptions.defaults()
              .withMountRoot(root.resolve("tmpmounts"))
              .withNoSameOwner(!isRoot());
      SnapshotterFactory sf =
          name ->
              switch (name) {
                case Snapshotters.OVERLAYFS, "overlay" ->
                    Snapshotters.overlayIn(
                        cfg.overlayfs().resolveRootPath(root),
                        db,
                        OverlayOptions.defaults()
                            .withUserxattr(cfg.overlayfs().mountOptions().contains("userxattr"))
                            .withSyncRemove(cfg.overlayfs().syncRemove()));
                case Snapshotters.NATIVE ->
                    Snapshotters.nativeCopyIn(
                        cfg.nativeSnapshotter().resolveRootPath(root),
                        db,
                        NativeOptions.defaults());
                default -> Snapshotters.open(name, root, db);
              };
      ApplierFactory af = (provider, order) -> DiffService.create(provider, differOptions, order);
      return new Layerd(root, loaded, db, content, images, sf, af);
    } catch (IOException | RuntimeException e) {
      try {
        db.close();
      } catch (IOException c) {
        e.addSuppressed(c);
      }
      throw e;
    }
  }

  /**
   * The root when none is given: the config's, except that a process that is not root and whose
   * config names the system default gets {@code $XDG_DATA_HOME/layerd}.
   */
  static Path defaultRoot(Config cfg) {
    if (!cfg.root().equals(Config.DEFAULT_ROOT) || isRoot()) {
      return cfg.root();
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    Path base =
        xdg != null && !xdg.isEmpty()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".local", "share");
    return base.resolve("layerd");
  }

  static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[2].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  /** The root directory in use. */
  public Path root() {
    return root;
  }

  /** The configuration in effect, with its warnings and deprecations. */
  public LoadedConfig config() {
    return loaded;
  }

  // ---- images

  /** Every image, in name order. */
  public List<Image> images() throws IOException {
    return images.list();
  }

  /** The image called {@code name}; not found when there is none. */
  public Image image(String name) throws IOException {
    return images.get(name);
  }

  /**
   * Imports the images of an OCI layout directory, OCI archive or docker-archive, verifying every
   * blob, and returns the image records written. See {@link Importer}.
   */
  public List<Image> importImage(Path source, ImportOptions options) throws IOException {
    try (GcLock.Held h = gcLock.shared()) {
      return new Importer(content, images).importArchive(source, options);
    }
  }

  /**
   * Removes image records. Their blobs and snapshots stay until {@link #prune}. Not found (naming
   * it) for the first name that does not exist; names before it are removed.
   */
  public void removeImages(List<String> names) throws IOException {
    for (String n : names) {
      images.delete(n);
    }
  }

  // ---- unpack

  /**
   * Unpacks the image {@code name} into committed snapshots, as {@link Unpacker} describes, with
   * the request's choices and the config's defaults. When layers were discarded, the image record
   * gets the label {@link Image#LAYERS_DISCARDED}.
   *
   * @throws dev.layerd.unpack.UnpackException naming the layer that failed and why
   */
  public UnpackResult unpack(String name, UnpackRequest request) throws IOException {
    try (GcLock.Held h = gcLock.shared()) {
      return unpackHeld(name, request);
    }
  }

  private UnpackResult unpackHeld(String name, UnpackRequest request) throws IOException {
    Image img = images.get(name);
    Config cfg = loaded.config();
    Platform platform = request.platform() != null ? request.platform() : Platform.host();
    Descriptor manifest = Images.resolveManifest(content, img.target(), platform);
    String sn = snapshotterName(request.snapshotter(), platform);
    List<String> order = differOrder(request.differ(), platform);
    int max =
        request.maxConcurrentUnpacks() > 0
            ? request.maxConcurrentUnpacks()
            : cfg.transfer().maxConcurrentUnpacks();
    boolean discard =
        request.discardLayers() != null
            ? request.discardLayers()
            : cfg.transfer().discardUnpackedLayers();
    Set<Digest> usedElsewhere = discard ? reachableExcept(name) : Set.of();
    Unpacker unpacker =
        Unpacker.builder()
            .content(content)
            .snapshotter(snapshotter(sn))
            .applier(applierFactory.create(content, order))
            .differs(order)
            .lockDir(root.resolve("locks").resolve("unpack"))
            .blobInUse(usedElsewhere::contains)
            .build();
    UnpackOptions opts =
        new UnpackOptions(
            max, request.sequential(), discard, cfg.diffService().syncFs(), request.progress());
    UnpackResult r = unpacker.unpack(name, manifest, opts);
    if (!r.discarded().isEmpty()) {
      Map<String, String> labels = new HashMap<>(img.labels());
      labels.put(Image.LAYERS_DISCARDED, "true");
      images.update(images.get(name).withLabels(labels));
    }
    return r;
  }

  /**
   * The snapshotter to unpack with: asked for, else the config's for the platform, else overlayfs.
   */
  String snapshotterName(String asked, Platform platform) {
    if (asked != null && !asked.isEmpty()) {
      return asked;
    }
    for (UnpackConfig u : loaded.config().transfer().unpackConfig()) {
      if (!u.snapshotter().isEmpty() && matches(u, platform)) {
        return u.snapshotter();
      }
    }
    return Snapshotters.OVERLAYFS;
  }

  /** The differs to try: the one asked for, else the config's for the platform, else the order. */
  List<String> differOrder(String asked, Platform platform) {
    if (asked != null && !asked.isEmpty()) {
      return List.of(asked);
    }
    for (UnpackConfig u : loaded.config().transfer().unpackConfig()) {
      if (u.differ() != null && !u.differ().isEmpty() && matches(u, platform)) {
        return List.of(u.differ());
      }
    }
    return loaded.config().diffService().defaultOrder();
  }

  private static boolean matches(UnpackConfig u, Platform platform) {
    return u.platform() == null
        || u.platform().isEmpty()
        || Platform.parse(u.platform()).matches(platform);
  }

  /** Every digest reachable from images other than {@code name}. */
  private Set<Digest> reachableExcept(String name) throws IOException {
    Set<Digest> seen = new HashSet<>();
    Deque<Descriptor> todo = new ArrayDeque<>();
    for (Image i : images.list()) {
      if (!i.name().equals(name)) {
        todo.push(i.target());
      }
    }
    while (!todo.isEmpty()) {
      Descriptor d = todo.pop();
      if (seen.add(d.digest())) {
        try {
          todo.addAll(Images.children(content, d));
        } catch (NotFoundException e) {
          // A discarded or never imported blob: nothing below it to keep.
        }
      }
    }
    return seen;
  }

  // ---- snapshots and mounts

  /** The snapshotter of that name ({@code overlayfs}, {@code native}), opened on first use. */
  public synchronized Snapshotter snapshotter(String name) throws IOException {
    String n = name == null || name.isEmpty() ? Snapshotters.OVERLAYFS : name;
    n = n.equals("overlay") ? Snapshotters.OVERLAYFS : n;
    Snapshotter s = snapshotters.get(n);
    if (s == null) {
      s = snapshotterFactory.open(n);
      snapshotters.put(n, s);
    }
    return s;
  }

  /** Every snapshot of a snapshotter, parents before children. */
  public List<SnapshotInfo> snapshots(String snapshotter) throws IOException {
    return snapshotter(snapshotter).walk(i -> true);
  }

  /** The mounts of an active snapshot or view. */
  public List<Mount> snapshotMounts(String snapshotter, String key) throws IOException {
    return snapshotter(snapshotter).mounts(key);
  }

  /** Removes a snapshot that has no children. */
  public void removeSnapshot(String snapshotter, String key) throws IOException {
    snapshotter(snapshotter).remove(key);
  }

  /**
   * The top chain ID of an image's manifest for {@code platform} (null: the host's): the name of
   * the snapshot that shows it once unpacked.
   */
  public Digest chainId(String image, Platform platform) throws IOException {
    Image img = images.get(image);
    Descriptor m =
        Images.resolveManifest(
            content, img.target(), platform == null ? Platform.host() : platform);
    List<Digest> diffIds = Images.readConfig(content, Images.readManifest(content, m)).diffIds();
    if (diffIds.isEmpty()) {
      throw new FailedPreconditionException("image " + image + " has no layers");
    }
    return ChainIds.of(diffIds).getLast();
  }

  /**
   * Mounts an image (its unpacked top snapshot) or a snapshot key on {@code target}, an existing
   * directory. Read-only mounts go through a view, removed again by {@link #unmount}; with {@code
   * rw} an active snapshot on top keeps the changes (mounting the same target again reuses it;
   * remove it with {@link #removeSnapshot}). An active snapshot or view named directly is mounted
   * as it is. Needs CAP_SYS_ADMIN.
   *
   * @throws FailedPreconditionException when the image is not unpacked in that snapshotter
   */
  public MountResult mount(String nameOrKey, Path target, boolean rw, String snapshotterName)
      throws IOException {
    try (GcLock.Held h = gcLock.shared()) {
      return mountHeld(nameOrKey, target, rw, snapshotterName);
    }
  }

  private MountResult mountHeld(
      String nameOrKey, Path target, boolean rw, String snapshotterName) throws IOException {
    Snapshotter s = snapshotter(snapshotterName);
    Path abs = target.toAbsolutePath().normalize();
    String parent = null;
    String key;
    List<Mount> mounts;
    boolean created = false;
    if (findImage(nameOrKey) != null) {
      parent = chainId(nameOrKey, null).toString();
      if (!isCommitted(s, parent)) {
        throw new FailedPreconditionException(
            "image "
                + nameOrKey
                + " is not unpacked in snapshotter "
                + s.name()
                + " (snapshot "
                + parent
                + " is missing); run: layerd unpack "
                + nameOrKey);
      }
    }
    if (parent == null) {
      SnapshotInfo info;
      try {
        info = s.stat(nameOrKey);
      } catch (NotFoundException e) {
        throw new NotFoundException("no image or " + s.name() + " snapshot named " + nameOrKey, e);
      }
      if (info.kind() != Kind.COMMITTED) {
        MountResult r =
            new MountResult(
                abs,
                s.name(),
                nameOrKey,
                info.parent(),
                info.kind() == Kind.VIEW,
                s.mounts(nameOrKey));
        Mounter.mountAll(r.mounts(), abs);
        return r;
      }
      parent = nameOrKey;
    }
    key = (rw ? "rw " : "view ") + abs;
    Map<String, String> labels = Map.of(MOUNT_TARGET_LABEL, abs.toString());
    if (exists(s, key)) {
      mounts = s.mounts(key);
    } else {
      mounts = rw ? s.prepare(key, parent, labels) : s.view(key, parent, labels);
      created = true;
    }
    try {
      Mounter.mountAll(mounts, abs);
    } catch (IOException | RuntimeException e) {
      if (created) {
        try {
          s.remove(key);
        } catch (IOException | RuntimeException c) {
          e.addSuppressed(c);
        }
      }
      throw e;
    }
    return new MountResult(abs, s.name(), key, parent, !rw, mounts);
  }

  /**
   * Unmounts everything on {@code target} and removes the views {@link #mount} made for it. Active
   * snapshots made with {@code rw} are kept; their keys are returned.
   */
  public List<String> unmount(Path target) throws IOException {
    Path abs = target.toAbsolutePath().normalize();
    Mounter.unmountAll(abs);
    List<String> kept = new ArrayList<>();
    for (String n : SNAPSHOTTERS) {
      if (!snapshotters.containsKey(n)
          && !Files.isDirectory(root.resolve("snapshots").resolve(n))) {
        continue;
      }
      Snapshotter s = snapshotter(n);
      for (SnapshotInfo i :
          s.walk(i -> abs.toString().equals(i.labels().get(MOUNT_TARGET_LABEL)))) {
        if (i.kind() == Kind.VIEW) {
          s.remove(i.name());
        } else if (i.kind() == Kind.ACTIVE) {
          kept.add(n + "/" + i.name());
        }
      }
    }
    return kept;
  }

  private Image findImage(String name) throws IOException {
    try {
      return images.get(name);
    } catch (NotFoundException e) {
      return null;
    }
  }

  private static boolean isCommitted(Snapshotter s, String name) throws IOException {
    try {
      return s.stat(name).kind() == Kind.COMMITTED;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private static boolean exists(Snapshotter s, String key) throws IOException {
    try {
      s.stat(key);
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /**
   * The diff service as configured (or only {@code differ} when given), reading blobs through
   * {@code provider}: what {@code layerd serve} answers containerd's Diff API with.
   */
  public Applier applier(dev.layerd.content.Provider provider, String differ) {
    return applierFactory.create(provider, differOrder(differ, Platform.host()));
  }

  // ---- content, diff, prune

  /** Every blob in the content store, in digest order. */
  public List<ContentInfo> content() throws IOException {
    return content.list();
  }

  /** The content store itself, for programs that need more than this facade offers. */
  public ContentStore contentStore() {
    return content;
  }

  /**
   * Applies the layer file {@code layerFile} (plain, gzip or zstd tar) onto {@code dir} with the
   * diff service and returns the applied layer (its diffID and uncompressed size). The file is
   * hashed first and read through a one-blob provider; nothing is stored. With parents, {@code dir}
   * is the upper layer of an overlay over them and a temporary work directory is made next to it.
   */
  public Descriptor applyLayer(Path layerFile, Path dir, ApplyRequest request) throws IOException {
    FileBlobProvider blob = FileBlobProvider.of(layerFile);
    String mediaType = request.mediaType() != null ? request.mediaType() : MediaTypes.OCI_LAYER;
    Descriptor layer = new Descriptor(mediaType, blob.digest(), blob.size());
    List<String> order = differOrder(request.differ(), Platform.host());
    Applier applier = applierFactory.create(blob, order);
    Path upper = dir.toAbsolutePath().normalize();
    Path work = null;
    List<Mount> mounts;
    if (request.parents().isEmpty()) {
      mounts = List.of(new BindMount(upper, false));
    } else {
      work = Files.createTempDirectory(upper.getParent(), "." + upper.getFileName() + ".work-");
      List<String> extra =
          loaded.config().overlayfs().mountOptions().contains("userxattr")
              ? List.of("userxattr")
              : List.of();
      List<Path> lowers =
          request.parents().stream().map(p -> p.toAbsolutePath().normalize()).toList();
      mounts = List.of(new OverlayMount(lowers, upper, work, extra));
    }
    try {
      return applier.apply(
          layer,
          mounts,
          ApplyOptions.defaults()
              .withParallel(request.parallel())
              .withSyncFs(loaded.config().diffService().syncFs()));
    } finally {
      if (work != null) {
        deleteTree(work);
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }

  /**
   * Removes what nothing references: blobs no image reaches (manifests, configs, layers), then
   * committed snapshots that no reachable image config names in a {@code
   * containerd.io/gc.ref.snapshot.<snapshotter>} label (directly or as a parent) and that no active
   * snapshot or view sits on. Snapshotters that were never used on this root are not opened.
   * Waits for imports, unpacks and mounts in flight, in this process or another on the same root,
   * and keeps new ones waiting until it is done.
   */
  public PruneResult prune() throws IOException {
    List<String> names = new ArrayList<>();
    for (String n : SNAPSHOTTERS) {
      if (isInUse(n)) {
        names.add(n);
      }
    }
    try (GcLock.Held h = gcLock.exclusive()) {
      return Pruner.prune(images, content, names, this::snapshotter);
    }
  }

  /** True when snapshotter {@code n} was opened or has a directory under the root. */
  private synchronized boolean isInUse(String n) {
    return snapshotters.containsKey(n) || Files.isDirectory(root.resolve("snapshots").resolve(n));
  }

  /** Closes the snapshotters and the metadata database. Safe to call twice. */
  @Override
  public synchronized void close() throws IOException {
    IOException failure = null;
    for (Snapshotter s : snapshotters.values()) {
      try {
        s.close();
      } catch (IOException e) {
        failure = add(failure, e);
      }
    }
    snapshotters.clear();
    if (db != null) {
      try {
        db.close();
      } catch (IOException e) {
        failure = add(failure, e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static IOException add(IOException first, IOException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }
}
