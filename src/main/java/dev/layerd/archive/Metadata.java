package dev.layerd.archive;

import java.util.LinkedHashMap;
import java.util.Map;

/** What an entry or a parent layer's file says about ownership, mode, times and xattrs. */
record Metadata(
    int uid,
    int gid,
    int mode,
    long atimeSec,
    long atimeNsec,
    long mtimeSec,
    long mtimeNsec,
    boolean hasTimes,
    Map<String, byte[]> xattrs) {

  Metadata {
    xattrs = new LinkedHashMap<>(xattrs);
  }

  /**
   * A directory made because an entry needed it and no parent layer had it. Its times are the
   * epoch, not the moment of unpacking, so that every unpack of an image gives the same tree; the
   * unpacker knows epoch times as the mark of such a directory.
   */
  static Metadata implicitDirectory(int uid, int gid) {
    return new Metadata(uid, gid, 0755, 0, 0, 0, 0, true, Map.of());
  }
}
