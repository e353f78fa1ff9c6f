package dev.layerd.snapshots;

import java.time.Instant;
import java.util.Map;

/**
 * One snapshot's metadata row: its directory id, its key or name, the id and name of its parent
 * (0 and empty for none), and the usage cached at commit (negative when not yet measured).
 */
record Row(
    long id,
    String name,
    long parentId,
    String parentName,
    Kind kind,
    Map<String, String> labels,
    Instant created,
    Instant updated,
    long size,
    long inodes) {
  Row {
    labels = Map.copyOf(labels);
    parentName = parentName == null ? "" : parentName;
  }

  SnapshotInfo info() {
    return new SnapshotInfo(name, parentName, kind, labels, created, updated);
  }
}
