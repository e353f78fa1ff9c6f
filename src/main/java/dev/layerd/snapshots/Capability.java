package dev.layerd.snapshots;

/** Optional abilities a snapshotter advertises. */
public enum Capability {
  /**
   * {@link Snapshotter#commit(String, String, String, java.util.Map)} accepts a parent other than
   * the one the active snapshot was prepared with. Parallel unpack needs it.
   */
  REBASE
}
