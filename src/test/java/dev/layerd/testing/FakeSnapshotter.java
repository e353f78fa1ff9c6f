package dev.layerd.testing;

import dev.layerd.errdefs.AlreadyExistsException;
import dev.layerd.errdefs.FailedPreconditionException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OverlayMount;
import dev.layerd.snapshots.Capability;
import dev.layerd.snapshots.Kind;
import dev.layerd.snapshots.SnapshotInfo;
import dev.layerd.snapshots.Snapshotter;
import dev.layerd.snapshots.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A snapshotter for unit tests: metadata in memory, one real directory per snapshot under a
 * temporary root, mounts shaped like the overlay snapshotter's (bind with no parent, overlay
 * otherwise). Records every commit as {@code name<-parent}.
 */
public final class FakeSnapshotter implements Snapshotter {
  private final Path root;
  private final boolean rebase;
  private final Map<String, SnapshotInfo> infos = new LinkedHashMap<>();
  private final Map<String, Path> dirs = new LinkedHashMap<>();
  private final List<String> commits = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger ids = new AtomicInteger();

  public FakeSnapshotter(Path root, boolean rebase) {
    this.root = root;
    this.rebase = rebase;
  }

  /** Every successful commit, in order, as {@code name<-parent} (parent empty for none). */
  public List<String> commits() {
    return List.copyOf(commits);
  }

  /** The directory holding a snapshot's own layer. */
  public synchronized Path dir(String key) {
    return dirs.get(key);
  }

  @Override
  public String name() {
    return "overlayfs";
  }

  @Override
  public Set<Capability> capabilities() {
    return rebase ? Set.of(Capability.REBASE) : Set.of();
  }

  @Override
  public synchronized SnapshotInfo stat(String key) {
    SnapshotInfo i = infos.get(key);
    if (i == null) {
      throw new NotFoundException("snapshot " + key + " not found");
    }
    return i;
  }

  @Override
  public synchronized SnapshotInfo updateLabels(String key, Map<String, String> labels) {
    SnapshotInfo i = stat(key);
    SnapshotInfo n =
        new SnapshotInfo(i.name(), i.parent(), i.kind(), labels, i.created(), Instant.now());
    infos.put(key, n);
    return n;
  }

  @Override
  public Usage usage(String key) {
    return new Usage(0, 0);
  }

  @Override
  public synchronized List<Mount> mounts(String key) {
    SnapshotInfo i = stat(key);
    return mountsFor(key, i.parent(), i.kind() == Kind.VIEW);
  }

  private List<Mount> mountsFor(String key, String parent, boolean view) {
    List<Path> lowers = new ArrayList<>();
    for (String p = parent; !p.isEmpty(); p = infos.get(p).parent()) {
      lowers.add(dirs.get(p));
    }
    if (view) {
      return lowers.size() == 1
          ? List.of(new BindMount(lowers.getFirst(), true))
          : List.of(new OverlayMount(lowers, null, null, List.of()));
    }
    if (lowers.isEmpty()) {
      return List.of(new BindMount(dirs.get(key), false));
    }
    return List.of(new OverlayMount(lowers, dirs.get(key), root.resolve("work"), List.of()));
  }

  private SnapshotInfo create(String key, String parent, Kind kind, Map<String, String> labels) {
    if (infos.containsKey(key)) {
      throw new AlreadyExistsException("snapshot " + key + " already exists");
    }
    if (!parent.isEmpty()) {
      SnapshotInfo p = stat(parent);
      if (p.kind() != Kind.COMMITTED) {
        throw new FailedPreconditionException("parent " + parent + " is not committed");
      }
    }
    Path d = root.resolve("s" + ids.incrementAndGet());
    try {
      Files.createDirectories(d);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SnapshotInfo i = new SnapshotInfo(key, parent, kind, labels, Instant.now(), Instant.now());
    infos.put(key, i);
    dirs.put(key, d);
    return i;
  }

  @Override
  public synchronized List<Mount> prepare(String key, String parent, Map<String, String> labels) {
    create(key, parent, Kind.ACTIVE, labels);
    return mountsFor(key, parent, false);
  }

  @Override
  public synchronized List<Mount> view(String key, String parent, Map<String, String> labels) {
    create(key, parent, Kind.VIEW, labels);
    return mountsFor(key, parent, true);
  }

  @Override
  public synchronized void commit(String name, String key, Map<String, String> labels) {
    commit(name, key, stat(key).parent(), labels);
  }

  @Override
  public synchronized void commit(
      String name, String key, String parent, Map<String, String> labels) {
    SnapshotInfo i = stat(key);
    if (i.kind() != Kind.ACTIVE) {
      throw new FailedPreconditionException("snapshot " + key + " is not active");
    }
    if (!rebase && !parent.equals(i.parent())) {
      throw new NotImplementedException("rebase is not supported");
    }
    if (infos.containsKey(name)) {
      throw new AlreadyExistsException("snapshot " + name + " already exists");
    }
    if (!parent.isEmpty() && stat(parent).kind() != Kind.COMMITTED) {
      throw new FailedPreconditionException("parent " + parent + " is not committed");
    }
    infos.remove(key);
    Path d = dirs.remove(key);
    infos.put(
        name, new SnapshotInfo(name, parent, Kind.COMMITTED, labels, i.created(), Instant.now()));
    dirs.put(name, d);
    commits.add(name + "<-" + parent);
  }

  @Override
  public synchronized void remove(String key) {
    stat(key);
    for (SnapshotInfo i : infos.values()) {
      if (i.parent().equals(key)) {
        throw new FailedPreconditionException("snapshot " + key + " has children");
      }
    }
    infos.remove(key);
    dirs.remove(key);
  }

  @Override
  public synchronized List<SnapshotInfo> walk(Predicate<SnapshotInfo> filter) {
    return infos.values().stream().filter(filter).toList();
  }

  @Override
  public void close() {}
}
