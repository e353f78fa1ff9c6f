package dev.layerd.snapshots;

import dev.layerd.mount.Mount;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Keeps filesystem snapshots in a chain of parents and hands out the mounts that show them.
 *
 * <p>A snapshot is in one of three states ({@link Kind}). {@link #prepare} creates an
 * <em>active</em> snapshot under a caller-chosen key: writable, showing its parent's tree.
 * {@link #commit} turns an active snapshot into a <em>committed</em> one under a new name; the key
 * is gone afterwards. Only committed snapshots can be parents. {@link #view} makes a read-only
 * snapshot of a parent, which is never committed. Keys and names share one namespace.
 *
 * <p>Importing an image layer by layer looks like this:
 *
 * <pre>{@code
 * List<Mount> m = sn.prepare("extract-1 " + chain1, "", Map.of());   // no parent: empty dir
 * applier.apply(layer1, m, ApplyOptions.defaults());                  // unpack into it
 * sn.commit(chain1.toString(), "extract-1 " + chain1, Map.of());      // immutable from now on
 * m = sn.prepare("extract-2 " + chain2, chain1.toString(), Map.of()); // layer 1 below
 * applier.apply(layer2, m, ApplyOptions.defaults());
 * sn.commit(chain2.toString(), "extract-2 " + chain2, Map.of());
 * }</pre>
 *
 * <p>With {@link Capability#REBASE} the second layer may be prepared with no parent, applied at
 * the same time as the first, and given its parent only at {@link #commit(String, String, String,
 * Map)}: that is what parallel unpack rests on.
 *
 * <p>Failures: an absent key or name is {@link dev.layerd.errdefs.NotFoundException}; a key or
 * name in use is {@link dev.layerd.errdefs.AlreadyExistsException}; removing a snapshot that has
 * children, committing a view or a committed snapshot, or preparing on a parent that is not
 * committed is {@link dev.layerd.errdefs.FailedPreconditionException}. Every state change is one
 * metadata transaction; a failed call leaves no directory or row behind.
 *
 * <p>Implementations are thread-safe and may be used by several processes on one root. {@link
 * #close} may be called more than once.
 */
public interface Snapshotter extends AutoCloseable {

  /** The name used in labels and paths ({@code overlayfs}, {@code native}). */
  String name();

  Set<Capability> capabilities();

  SnapshotInfo stat(String key) throws IOException;

  /**
   * Replaces the labels of a snapshot ({@code labels} is the whole new set) and returns the
   * updated info. The kind, parent and name never change this way.
   */
  SnapshotInfo updateLabels(String key, Map<String, String> labels) throws IOException;

  /**
   * Space used by the snapshot's own layer. Walks the directory for an active snapshot, which can
   * be slow on a large tree; committed snapshots may answer from a cached figure.
   */
  Usage usage(String key) throws IOException;

  /**
   * The mounts that show an active snapshot or a view, the same list {@link #prepare} or {@link
   * #view} returned. A committed snapshot has none: asking is {@link
   * dev.layerd.errdefs.FailedPreconditionException} (make a view of it instead).
   */
  List<Mount> mounts(String key) throws IOException;

  /**
   * Creates an active snapshot {@code key} on top of the committed snapshot {@code parent} (empty
   * for none) and returns its mounts.
   */
  List<Mount> prepare(String key, String parent, Map<String, String> labels) throws IOException;

  /** Creates a read-only view of {@code parent} and returns its mounts. */
  List<Mount> view(String key, String parent, Map<String, String> labels) throws IOException;

  /**
   * Commits the active snapshot {@code key} as {@code name}, keeping the parent it was prepared on.
   * The committed snapshot carries {@code labels}; the active snapshot's labels are not carried
   * over. Its usage is measured here and cached.
   */
  void commit(String name, String key, Map<String, String> labels) throws IOException;

  /**
   * Commits the active snapshot {@code key} as {@code name} on top of {@code parent}, which may
   * differ from the parent it was prepared with. Without {@link Capability#REBASE} a different
   * parent is {@link dev.layerd.errdefs.NotImplementedException}.
   */
  void commit(String name, String key, String parent, Map<String, String> labels)
      throws IOException;

  /**
   * Removes a snapshot with no children, and its directory (at once or in the background,
   * depending on the snapshotter's options; in the background it is gone by {@link #close}).
   */
  void remove(String key) throws IOException;

  /**
   * Every snapshot matching {@code filter} (null for all), parents before children. {@link
   * SnapshotFilters#parse} builds filters from containerd's filter strings and {@link
   * SnapshotTree#render} draws the parent links.
   */
  List<SnapshotInfo> walk(Predicate<SnapshotInfo> filter) throws IOException;

  @Override
  void close() throws IOException;
}
