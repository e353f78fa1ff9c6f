package dev.layerd.snapshots;

/** The three states of a snapshot, as in containerd. */
public enum Kind {
  /** Read-only, made by {@link Snapshotter#view}; cannot be committed. */
  VIEW,
  /** Writable, made by {@link Snapshotter#prepare}; {@link Snapshotter#commit} freezes it. */
  ACTIVE,
  /** Immutable, usable as a parent. */
  COMMITTED
}
