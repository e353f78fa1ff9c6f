package dev.layerd.unpack;

/** Where one layer of an unpack stands. */
public enum LayerState {
  /** Queued: waiting for its chain lock or for a free apply slot. */
  WAITING,
  /** Its blob is being read and written into a snapshot. */
  APPLYING,
  /** Applied; its diffID is being checked and it waits for its turn to commit. */
  VERIFYING,
  /** Committed as a snapshot named by its chain ID. */
  COMMITTED,
  /** Its chain ID was already committed: nothing was read. */
  SKIPPED
}
