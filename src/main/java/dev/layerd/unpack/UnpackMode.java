package dev.layerd.unpack;

/** How the layers of one image were applied. */
public enum UnpackMode {
  /** Each layer applied into a snapshot with no parent, at the same time, then rebased in order. */
  PARALLEL,
  /** Each layer applied on top of the previous one, one after the other. */
  SEQUENTIAL
}
