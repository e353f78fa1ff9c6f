package dev.layerd.snapshots;

import dev.layerd.errdefs.ErrorKind;
import dev.layerd.errdefs.LayerdException;
import dev.layerd.metadata.MetadataDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Runs prepare / write / commit / view / remove in a loop until it is killed; {@link
 * SnapshotterCrashTest} kills it with SIGKILL at random points. Each layer writes its files and
 * then a manifest naming them, so a committed snapshot with a missing or short file shows.
 *
 * <p>Arguments: root, snapshotter name, seed. Prints {@code ready} once the store is open and
 * {@code step N} after each step.
 */
public final class CrashDriver {
  static final int FILES = 8;

  /** Outcomes of losing a race against another process; the step is simply skipped. */
  static final Set<ErrorKind> RACES =
      Set.of(ErrorKind.NOT_FOUND, ErrorKind.ALREADY_EXISTS, ErrorKind.FAILED_PRECONDITION);

  private CrashDriver() {}

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args[0]);
    String backend = args[1];
    long seed = Long.parseLong(args[2]);
    Random rnd = new Random(seed);
    try (MetadataDatabase db = MetadataDatabase.open(root.resolve("metadata.db"));
        Snapshotter sn = open(backend, root, db)) {
      System.out.println("ready");
      System.out.flush();
      for (long n = 0; ; n++) {
        try {
          step(sn, rnd, seed + "-" + n);
          System.out.println("step " + n);
          System.out.flush();
        } catch (LayerdException e) {
          // Another process on the root took a name or removed a parent first.
          if (!RACES.contains(e.kind())) {
            throw e;
          }
        }
      }
    }
  }

  static Snapshotter open(String backend, Path root, MetadataDatabase db) throws IOException {
    return backend.equals(Snapshotters.NATIVE)
        ? Snapshotters.nativeCopy(root, db, new NativeOptions(false))
        : Snapshotters.overlay(root, db, OverlayOptions.defaults());
  }

  /** One random step: usually a new layer, sometimes a view or a removal of a leaf. */
  static void step(Snapshotter sn, Random rnd, String id) throws IOException {
    List<SnapshotInfo> all = sn.walk(s -> true);
    List<String> committed = new ArrayList<>();
    List<String> leaves = new ArrayList<>();
    for (SnapshotInfo s : all) {
      if (s.kind() == Kind.COMMITTED) {
        committed.add(s.name());
      }
    }
    for (SnapshotInfo s : all) {
      // Never another process's active snapshot: its owner is still writing into it.
      if (s.kind() != Kind.ACTIVE && all.stream().noneMatch(c -> c.parent().equals(s.name()))) {
        leaves.add(s.name());
      }
    }
    int op = rnd.nextInt(10);
    String parent = committed.isEmpty() || rnd.nextInt(4) == 0
        ? "" : committed.get(rnd.nextInt(committed.size()));
    if (op < 6 || committed.size() < 3) {
      String key = "extract-" + id + " sha256:" + Long.toHexString(rnd.nextLong());
      Path dir = SnapshotterContractTest.upper(sn.prepare(key, parent, Map.of("k", key)));
      StringBuilder manifest = new StringBuilder();
      for (int i = 0; i < FILES; i++) {
        String f = "f-" + id + "-" + i;
        byte[] data = content(f, rnd.nextInt(20_000));
        Files.write(dir.resolve(f), data);
        manifest.append(f).append(' ').append(data.length).append('\n');
      }
      Files.writeString(dir.resolve("manifest-" + id), manifest);
      String name = "layer " + id;
      if (sn.capabilities().contains(Capability.REBASE) && rnd.nextBoolean()) {
        sn.commit(name, key, committed.isEmpty() ? "" : committed.getFirst(), Map.of());
      } else {
        sn.commit(name, key, Map.of());
      }
    } else if (op < 8 && !parent.isEmpty()) {
      sn.view("view " + id, parent, Map.of());
    } else if (!leaves.isEmpty()) {
      sn.remove(leaves.get(rnd.nextInt(leaves.size())));
    }
  }

  /** {@code size} bytes determined by the file name. */
  static byte[] content(String name, int size) {
    byte[] b = new byte[size];
    Random r = new Random(name.hashCode());
    r.nextBytes(b);
    return b;
  }
}
