package dev.layerd.snapshots;

/** Disk used by one snapshot's own layer: bytes and inodes. */
public record Usage(long size, long inodes) {
  public Usage {
    if (size < 0 || inodes < 0) {
      throw new IllegalArgumentException(
          "negative usage: " + size + " bytes, " + inodes + " inodes");
    }
  }
}
