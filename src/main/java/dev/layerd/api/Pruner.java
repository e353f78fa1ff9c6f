package dev.layerd.api;

import dev.layerd.content.ContentInfo;
import dev.layerd.content.ContentLabels;
import dev.layerd.content.ContentStore;
import dev.layerd.images.ImageStore;
import dev.layerd.images.Images;
import dev.layerd.oci.Digest;
import dev.layerd.snapshots.Kind;
import dev.layerd.snapshots.SnapshotInfo;
import dev.layerd.snapshots.Snapshotter;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes blobs and snapshots nothing references; see {@link Layerd#prune}. */
final class Pruner {
  private static final Logger LOG = LoggerFactory.getLogger(Pruner.class);

  /** Opens a snapshotter by name. */
  @FunctionalInterface
  interface SnapshotterLookup {
    Snapshotter open(String name) throws IOException;
  }

  private Pruner() {}

  static PruneResult prune(
      ImageStore images, ContentStore content, List<String> snapshotters, SnapshotterLookup open)
      throws IOException {
    Set<Digest> reachable = Images.reachable(images, content);

    // Snapshot roots come from labels on reachable blobs: read them before anything is deleted.
    Map<String, Set<String>> roots = new HashMap<>();
    List<ContentInfo> all = content.list();
    for (ContentInfo ci : all) {
      if (reachable.contains(ci.digest())) {
        ci.labels()
            .forEach(
                (k, v) -> {
                  if (k.startsWith(ContentLabels.GC_REF_SNAPSHOT_PREFIX)) {
                    String sn = k.substring(ContentLabels.GC_REF_SNAPSHOT_PREFIX.length());
                    roots.computeIfAbsent(sn, x -> new HashSet<>()).add(v);
                  }
                });
      }
    }

    List<Digest> blobs = new ArrayList<>();
    long bytes = 0;
    for (ContentInfo ci : all) {
      if (!reachable.contains(ci.digest())) {
        content.delete(ci.digest());
        blobs.add(ci.digest());
        bytes += ci.size();
      }
    }

    List<String> removed = new ArrayList<>();
    for (String n : snapshotters) {
      Snapshotter s = open.open(n);
      for (String name : unreferenced(s.walk(i -> true), roots.getOrDefault(n, Set.of()))) {
        s.remove(name);
        removed.add(n + "/" + name);
      }
    }
    LOG.info("pruned {} blobs ({} bytes) and {} snapshots", blobs.size(), bytes, removed.size());
    return new PruneResult(blobs, removed, bytes);
  }

  /**
   * Committed snapshots neither named in {@code roots} nor below one, nor below an active
   * snapshot or view; children first, so each can be removed in turn.
   */
  static List<String> unreferenced(List<SnapshotInfo> all, Set<String> roots) {
    Map<String, SnapshotInfo> byName = new HashMap<>();
    Deque<String> todo = new ArrayDeque<>(roots);
    for (SnapshotInfo i : all) {
      byName.put(i.name(), i);
      if (i.kind() != Kind.COMMITTED) {
        todo.add(i.name());
      }
    }
    Set<String> keep = new HashSet<>();
    while (!todo.isEmpty()) {
      SnapshotInfo i = byName.get(todo.pop());
      if (i != null && keep.add(i.name()) && !i.parent().isEmpty()) {
        todo.add(i.parent());
      }
    }
    List<String> out = new ArrayList<>();
    for (SnapshotInfo i : all.reversed()) {
      if (!keep.contains(i.name())) {
        out.add(i.name());
      }
    }
    return out;
  }
}
