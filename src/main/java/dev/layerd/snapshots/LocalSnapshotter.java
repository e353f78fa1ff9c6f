package dev.layerd.snapshots;

import dev.layerd.errdefs.AlreadyExistsException;
import dev.layerd.errdefs.FailedPreconditionException;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.mount.Mount;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshotter keeping each snapshot in {@code <home>/snapshots/<id>} with its metadata in the
 * shared database; the {@link Backend} decides what a directory holds and how it is mounted.
 *
 * <p>Crash safety rests on one order. A new snapshot is built under {@code tmp/}, its row is
 * committed, and only then is the directory renamed into place; a removal deletes the row first
 * and then renames the directory into {@code trash/}. Both steps happen under the root lock, so
 * at any moment another process sees either both or a state {@link #recover} repairs: a directory
 * without a row is removed, an active snapshot or view without its directory is forgotten.
 */
final class LocalSnapshotter implements Snapshotter {
  private static final Logger LOG = LoggerFactory.getLogger(LocalSnapshotter.class);
  private static final AtomicLong TEMP_SEQ = new AtomicLong();
  private static final String PID = Long.toString(ProcessHandle.current().pid());

  private final Backend backend;
  private final MetadataDatabase db;
  private final MetaStore store;
  private final Path home;
  private final Path snapshots;
  private final Path tmp;
  private final Path trash;
  private final RootLock lock;
  private final ExecutorService cleaner;
  private volatile boolean closed;

  private LocalSnapshotter(Backend backend, MetadataDatabase db, Path home, RootLock lock) {
    this.backend = backend;
    this.db = db;
    this.store = new MetaStore(backend.name());
    this.home = home;
    this.snapshots = home.resolve("snapshots");
    this.tmp = home.resolve("tmp");
    this.trash = home.resolve("trash");
    this.lock = lock;
    this.cleaner =
        backend.syncRemove()
            ? null
            : Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon().name("snapshot-cleaner-" + backend.name())
                    .unstarted(r));
  }

  /** Opens the snapshotter whose directories live in {@code home}, repairing what a crash left. */
  static LocalSnapshotter open(Path home, MetadataDatabase db, Backend backend)
      throws IOException {
    for (Path d : List.of(home, home.resolve("snapshots"), home.resolve("tmp"),
        home.resolve("trash"))) {
      Files.createDirectories(d);
    }
    Files.setPosixFilePermissions(home.resolve("snapshots"),
        PosixFilePermissions.fromString("rwx------"));
    RootLock lock = RootLock.acquire(home.resolve("lock"));
    LocalSnapshotter s = new LocalSnapshotter(backend, db, home, lock);
    try {
      db.transaction(c -> {
        s.store.init(c);
        return null;
      });
      s.recover();
    } catch (IOException | RuntimeException e) {
      try {
        s.close();
      } catch (IOException c) {
        e.addSuppressed(c);
      }
      throw e;
    }
    return s;
  }

  @Override
  public String name() {
    return backend.name();
  }

  @Override
  public Set<Capability> capabilities() {
    return backend.capabilities();
  }

  /** The directory of a snapshot; for tests and tools that inspect the store. */
  Path directory(String key) throws IOException {
    return dir(db.transaction(c -> store.get(c, key)).id());
  }

  /** Where snapshot directories live; for tests. */
  Path snapshotsDir() {
    return snapshots;
  }

  @Override
  public SnapshotInfo stat(String key) throws IOException {
    open();
    return db.transaction(c -> store.get(c, key)).info();
  }

  @Override
  public SnapshotInfo updateLabels(String key, Map<String, String> labels) throws IOException {
    open();
    Objects.requireNonNull(labels, "labels");
    return db.transaction(c -> {
      Row r = store.get(c, key);
      store.setLabels(c, r.id(), labels);
      store.touch(c, r.id(), Instant.now());
      return store.get(c, key).info();
    });
  }

  @Override
  public Usage usage(String key) throws IOException {
    open();
    Row r = db.transaction(c -> store.get(c, key));
    if (r.kind() == Kind.COMMITTED && r.size() >= 0) {
      return new Usage(r.size(), r.inodes());
    }
    try {
      return Trees.usage(dir(r.id()).resolve("fs"));
    } catch (NoSuchFileException e) {
      throw new NotFoundException("snapshot " + key + " was removed while measuring it", e);
    }
  }

  @Override
  public List<Mount> mounts(String key) throws IOException {
    open();
    Chain ch = db.transaction(c -> chain(c, store.get(c, key)));
    if (ch.row().kind() == Kind.COMMITTED) {
      throw new FailedPreconditionException(
          "snapshot " + key + " in " + name() + " is committed; only active snapshots and views"
              + " have mounts (make a view of it)");
    }
    return backend.mounts(dir(ch.row().id()), ch.row().kind(), ch.parents());
  }

  @Override
  public List<Mount> prepare(String key, String parent, Map<String, String> labels)
      throws IOException {
    return create(Kind.ACTIVE, key, parent, labels);
  }

  @Override
  public List<Mount> view(String key, String parent, Map<String, String> labels)
      throws IOException {
    return create(Kind.VIEW, key, parent, labels);
  }

  private List<Mount> create(Kind kind, String key, String parent, Map<String, String> labels)
      throws IOException {
    open();
    checkName(key, "key");
    String p = parent == null ? "" : parent;
    Map<String, String> l = labels == null ? Map.of() : Map.copyOf(labels);

    // Fail fast before building anything; checked again in the transaction.
    Chain before = db.transaction(c -> {
      if (store.find(c, key) != null) {
        throw new AlreadyExistsException("snapshot " + key + " already exists in " + name());
      }
      return p.isEmpty() ? null : parentChain(c, p);
    });
    List<Path> parents = before == null ? List.of() : before.parents();
    long expectedParent = before == null ? 0 : before.row().id();

    Path temp = tmp.resolve("new-" + PID + "-" + TEMP_SEQ.incrementAndGet());
    try {
      Files.createDirectory(temp, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
      Files.createDirectory(temp.resolve("fs"));
      try {
        backend.populate(temp, kind, parents);
      } catch (IOException e) {
        if (!p.isEmpty() && !stillThere(p, expectedParent)) {
          throw new NotFoundException(
              "parent snapshot " + p + " was removed from " + name() + " while preparing " + key,
              e);
        }
        throw e;
      }

      Chain ch = lock.locked(() -> {
        Chain created = db.transaction(c -> {
          long parentId = p.isEmpty() ? 0 : committedParent(c, p).id();
          if (parentId != expectedParent) {
            // The parent was removed and made again while this snapshot was being built.
            throw new FailedPreconditionException(
                "parent snapshot " + p + " in " + name() + " changed while preparing " + key);
          }
          long id = store.insert(c, key, parentId, kind, l, Instant.now());
          return chain(c, store.byId(c, id));
        });
        try {
          move(temp, dir(created.row().id()));
        } catch (IOException | RuntimeException e) {
          try {
            db.transaction(c -> {
              store.delete(c, created.row().id());
              return null;
            });
          } catch (IOException | RuntimeException d) {
            e.addSuppressed(d);
          }
          throw e;
        }
        return created;
      });
      LOG.debug("{}: {} snapshot {} (id {}) on parent '{}'", name(),
          kind == Kind.ACTIVE ? "prepared" : "viewed", key, ch.row().id(), p);
      return backend.mounts(dir(ch.row().id()), kind, ch.parents());
    } catch (IOException | RuntimeException e) {
      try {
        Trees.delete(temp);
      } catch (IOException d) {
        e.addSuppressed(d);
      }
      throw e;
    }
  }

  private boolean stillThere(String name, long id) throws IOException {
    Row r = db.transaction(c -> store.find(c, name));
    return r != null && r.id() == id;
  }

  @Override
  public void commit(String name, String key, Map<String, String> labels) throws IOException {
    commit(name, key, null, labels);
  }

  @Override
  public void commit(String name, String key, String parent, Map<String, String> labels)
      throws IOException {
    open();
    checkName(name, "name");
    Map<String, String> l = labels == null ? Map.of() : Map.copyOf(labels);

    Row before = db.transaction(c -> store.get(c, key));
    checkActive(before, key);
    Usage u;
    try {
      u = Trees.usage(dir(before.id()).resolve("fs"));
    } catch (NoSuchFileException e) {
      throw new NotFoundException("snapshot " + key + " was removed while committing it", e);
    }

    db.transaction(c -> {
      Row r = store.get(c, key);
      checkActive(r, key);
      if (r.id() != before.id()) {
        throw new NotFoundException("snapshot " + key + " was replaced while committing it");
      }
      long parentId = r.parentId();
      if (parent != null && !parent.equals(r.parentName())) {
        if (!capabilities().contains(Capability.REBASE)) {
          throw new NotImplementedException(
              "snapshotter " + name() + " cannot commit " + key + " onto parent '" + parent
                  + "': it was prepared on '" + r.parentName() + "' and rebase is not supported");
        }
        parentId = parent.isEmpty() ? 0 : committedParent(c, parent).id();
      }
      store.commit(c, r.id(), name, parentId, l, u.size(), u.inodes(), Instant.now());
      return null;
    });
    LOG.debug("{}: committed {} as {} (id {})", name(), key, name, before.id());
  }

  @Override
  public void remove(String key) throws IOException {
    open();
    Path gone = lock.locked(() -> {
      Row r = db.transaction(c -> {
        Row row = store.get(c, key);
        if (store.hasChildren(c, row.id())) {
          throw new FailedPreconditionException(
              "cannot remove snapshot " + key + " from " + name() + ": it has children");
        }
        store.delete(c, row.id());
        return row;
      });
      Path to = trash.resolve(PID + "-" + r.id() + "-" + TEMP_SEQ.incrementAndGet());
      try {
        move(dir(r.id()), to);
      } catch (NoSuchFileException e) {
        LOG.warn("{}: snapshot {} had no directory {}", name(), key, dir(r.id()));
        return null;
      }
      return to;
    });
    LOG.debug("{}: removed {}", name(), key);
    if (gone == null) {
      return;
    }
    if (cleaner == null) {
      Trees.delete(gone);
    } else {
      cleaner.execute(() -> {
        try {
          Trees.delete(gone);
        } catch (IOException e) {
          LOG.error("{}: failed to delete removed snapshot directory {}; removed on next open",
              name(), gone, e);
        }
      });
    }
  }

  @Override
  public List<SnapshotInfo> walk(Predicate<SnapshotInfo> filter) throws IOException {
    open();
    List<Row> rows = db.transaction(store::all);
    Map<Long, Row> byId = new HashMap<>();
    for (Row r : rows) {
      byId.put(r.id(), r);
    }
    Map<Long, Integer> depth = new HashMap<>();
    List<SnapshotInfo> out = new ArrayList<>();
    rows.stream()
        .sorted(Comparator.<Row>comparingInt(r -> depth(r, byId, depth)).thenComparing(Row::id))
        .map(Row::info)
        .filter(filter == null ? x -> true : filter)
        .forEach(out::add);
    return out;
  }

  /** Distance from a root; iterative, since chains can be very deep. */
  private static int depth(Row r, Map<Long, Row> byId, Map<Long, Integer> memo) {
    List<Row> path = new ArrayList<>();
    int base = -1;
    for (Row x = r; x != null; x = byId.get(x.parentId())) {
      Integer d = memo.get(x.id());
      if (d != null) {
        base = d;
        break;
      }
      path.add(x);
    }
    for (int i = path.size() - 1; i >= 0; i--) {
      memo.put(path.get(i).id(), ++base);
    }
    return memo.get(r.id());
  }

  /** Repairs what a crash can leave; holds the root lock so no live operation is half seen. */
  private void recover() throws IOException {
    lock.locked(() -> {
      cleanDead(tmp, "new-");
      cleanDead(trash, "");
      List<Row> rows = db.transaction(store::all);
      Set<String> known = new HashSet<>();
      for (Row r : rows) {
        known.add(Long.toString(r.id()));
      }
      try (Stream<Path> s = Files.list(snapshots)) {
        for (Path d : s.toList()) {
          if (!known.contains(d.getFileName().toString())) {
            LOG.warn("{}: removing directory {} that no snapshot refers to", name(), d);
            Trees.delete(d);
          }
        }
      }
      for (Row r : rows) {
        if (Files.isDirectory(dir(r.id()))) {
          continue;
        }
        if (r.kind() == Kind.COMMITTED) {
          LOG.warn("{}: committed snapshot {} has lost its directory {}", name(), r.name(),
              dir(r.id()));
        } else {
          LOG.warn("{}: forgetting {} snapshot {}: its directory {} is missing", name(),
              kindName(r), r.name(), dir(r.id()));
          db.transaction(c -> {
            store.delete(c, r.id());
            return null;
          });
        }
      }
      return null;
    });
  }

  /** Removes entries of {@code dir} named {@code <prefix><pid>-...} whose process is gone. */
  private void cleanDead(Path dir, String prefix) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith(prefix)) {
          String rest = n.substring(prefix.length());
          int dash = rest.indexOf('-');
          try {
            long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
            if (ProcessHandle.of(pid).isPresent()) {
              continue;
            }
          } catch (NumberFormatException e) {
            // Not one of ours by name; it cannot be in use either.
          }
        }
        LOG.info("{}: removing leftover {}", name(), p);
        Trees.delete(p);
      }
    }
  }

  private record Chain(Row row, List<Path> parents) {}

  private Chain chain(Connection c, Row r) throws SQLException {
    List<Path> parents = new ArrayList<>();
    for (long id : store.ancestors(c, r)) {
      parents.add(dir(id).resolve("fs"));
    }
    return new Chain(r, parents);
  }

  /** The committed {@code parent} and its own directory followed by its ancestors'. */
  private Chain parentChain(Connection c, String parent) throws SQLException {
    Row p = committedParent(c, parent);
    List<Path> out = new ArrayList<>();
    out.add(dir(p.id()).resolve("fs"));
    out.addAll(chain(c, p).parents());
    return new Chain(p, out);
  }

  private Row committedParent(Connection c, String parent) throws SQLException {
    Row p = store.find(c, parent);
    if (p == null) {
      throw new NotFoundException("parent snapshot " + parent + " does not exist in " + name());
    }
    if (p.kind() != Kind.COMMITTED) {
      throw new FailedPreconditionException(
          "parent snapshot " + parent + " in " + name() + " is " + kindName(p)
              + ", not committed");
    }
    return p;
  }

  private void checkActive(Row r, String key) {
    if (r.kind() != Kind.ACTIVE) {
      throw new FailedPreconditionException(
          "cannot commit snapshot " + key + " in " + name() + ": it is "
              + kindName(r) + ", not active");
    }
  }

  private static String kindName(Row r) {
    return r.kind().name().toLowerCase(Locale.ROOT);
  }

  private static void checkName(String s, String what) {
    if (s == null || s.isEmpty()) {
      throw new InvalidArgumentException("snapshot " + what + " must not be empty");
    }
  }

  private Path dir(long id) {
    return snapshots.resolve(Long.toString(id));
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + from + " to " + to + " atomically", e);
    }
  }

  private void open() {
    if (closed) {
      throw new FailedPreconditionException(
          "snapshotter " + name() + " at " + home + " is closed");
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (cleaner != null) {
        cleaner.shutdown();
        try {
          cleaner.awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    } finally {
      lock.close();
    }
  }
}
