package dev.layerd.archive;

import dev.layerd.linux.ErrnoException;
import dev.layerd.linux.FileCalls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Open descriptors of directories under the root, by their cleaned path, so that consecutive
 * entries of one directory resolve it once. Whoever removes or replaces a directory or a symlink
 * must {@link #clear()} it: a cached descriptor would otherwise point at a directory no longer
 * reachable by that path (through a symlink, possibly under a different name). Cleared
 * descriptors stay open until {@link #trim()}, so that one entry's work never sees a number it
 * holds closed (or reused) under it.
 */
final class DirectoryCache implements AutoCloseable {
  private static final int MAX = 4096;

  private final int rootFd;
  private final Map<String, Integer> fds = new HashMap<>();
  private final List<Integer> retired = new ArrayList<>();

  DirectoryCache(int rootFd) {
    this.rootFd = rootFd;
  }

  /** The cached descriptor of {@code path}, or -1. The root ("") is always there. */
  int get(String path) {
    if (path.isEmpty()) {
      return rootFd;
    }
    Integer fd = fds.get(path);
    return fd == null ? -1 : fd;
  }

  /** Opens {@code path} inside the root (confined by the kernel) and caches it. */
  int open(String path) throws ErrnoException {
    int fd = get(path);
    if (fd >= 0) {
      return fd;
    }
    fd = FileCalls.openInRoot(rootFd, path, FileCalls.O_PATH | FileCalls.O_DIRECTORY, 0);
    fds.put(path, fd);
    return fd;
  }

  /** Forgets every cached path; the descriptors close at the next {@link #trim()}. */
  void clear() {
    retired.addAll(fds.values());
    fds.clear();
  }

  /** Between entries: closes what was cleared, and everything when the cache grew too big. */
  void trim() {
    if (fds.size() >= MAX) {
      clear();
    }
    for (int fd : retired) {
      try {
        FileCalls.close(fd, "cached directory");
      } catch (ErrnoException ignored) {
        // a path descriptor holds no data to lose
      }
    }
    retired.clear();
  }

  @Override
  public void close() {
    clear();
    trim();
  }
}
