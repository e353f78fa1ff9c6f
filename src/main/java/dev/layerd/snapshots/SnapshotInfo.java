package dev.layerd.snapshots;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/** A snapshot's name (its key while active), parent name (empty for none), kind and labels. */
public record SnapshotInfo(
    String name,
    String parent,
    Kind kind,
    Map<String, String> labels,
    Instant created,
    Instant updated) {
  public SnapshotInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    parent = parent == null ? "" : parent;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
