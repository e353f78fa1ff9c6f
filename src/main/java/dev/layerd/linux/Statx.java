package dev.layerd.linux;

/**
 * What statx(2) said about a file (the fields layerd uses). {@code mode} holds the type bits as
 * well as the permission bits.
 */
public record Statx(
    int mode,
    int uid,
    int gid,
    long nlink,
    long ino,
    long size,
    long blocks,
    long atimeSec,
    int atimeNsec,
    long mtimeSec,
    int mtimeNsec,
    int rdevMajor,
    int rdevMinor,
    int devMajor,
    int devMinor) {

  public int type() {
    return mode & FileCalls.S_IFMT;
  }

  public int permissions() {
    return mode & 07777;
  }

  public boolean isDirectory() {
    return type() == FileCalls.S_IFDIR;
  }

  public boolean isRegular() {
    return type() == FileCalls.S_IFREG;
  }

  public boolean isSymlink() {
    return type() == FileCalls.S_IFLNK;
  }

  public boolean isCharDevice() {
    return type() == FileCalls.S_IFCHR;
  }

  /** True for an overlay whiteout: a character device numbered 0/0. */
  public boolean isWhiteout() {
    return isCharDevice() && rdevMajor == 0 && rdevMinor == 0;
  }
}
