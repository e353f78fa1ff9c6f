package dev.layerd.archive;

import dev.layerd.linux.Errno;
import dev.layerd.linux.ErrnoException;
import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Statx;
import dev.layerd.linux.Xattrs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The lower layers (top first) of the layer being applied, read-only: where implicit parent
 * directories take their metadata, and where overlay-mode hardlinks find targets to copy up.
 * Paths resolve inside each layer's root.
 */
final class ParentLayers implements AutoCloseable {
  private static final int DIR_FLAGS =
      FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC;
  private static final int STATX = FileCalls.STATX_BASIC_STATS;
  private final List<Integer> fds = new ArrayList<>();
  private final List<Path> roots;

  ParentLayers(List<Path> roots) throws ErrnoException {
    this.roots = roots;
    try {
      for (Path p : roots) {
        fds.add(
            FileCalls.openat(
                FileCalls.AT_FDCWD,
                p.toString(),
                FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC,
                0));
      }
    } catch (ErrnoException e) {
      close();
      throw e;
    }
  }

  boolean isEmpty() {
    return fds.isEmpty();
  }

  /** A found file: the parent layer's descriptor of its directory, its name, and its stat. */
  record Found(int layerIndex, int dirFd, String name, Statx stat) implements AutoCloseable {
    @Override
    public void close() throws ErrnoException {
      FileCalls.close(dirFd, name);
    }
  }

  /**
   * The file that the stack of parent layers shows at {@code path} (never following a symlink in
   * it), or empty, looked up the way overlayfs merges them: in each layer top first, one component
   * at a time, a whiteout at the path or above it hides every lower layer, so does anything but a
   * directory above it, and an opaque directory above it hides what lower layers hold below it.
   */
  Optional<Found> find(String path) throws ErrnoException {
    String[] parts = path.split("/");
    for (int i = 0; i < fds.size(); i++) {
      int dir = FileCalls.openat(fds.get(i), ".", DIR_FLAGS, 0);
      boolean opaque = false;
      boolean found = false;
      try {
        for (int k = 0; k < parts.length; k++) {
          Statx st;
          try {
            st = FileCalls.statx(dir, parts[k], FileCalls.AT_SYMLINK_NOFOLLOW, STATX);
          } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT) {
              throw e;
            }
            break; // not in this layer: lower layers decide, unless an opaque directory hides them
          }
          if (st.isWhiteout() || (k < parts.length - 1 && !st.isDirectory())) {
            return Optional.empty();
          }
          if (k == parts.length - 1) {
            found = true;
            return Optional.of(new Found(i, dir, parts[k], st));
          }
          opaque |= Overlay.isOpaque(Xattrs.at(dir, parts[k]));
          int next = FileCalls.openat(dir, parts[k], DIR_FLAGS | FileCalls.O_NOFOLLOW, 0);
          FileCalls.close(dir, path);
          dir = next;
        }
      } finally {
        if (!found) {
          FileCalls.close(dir, path);
        }
      }
      if (opaque) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** The metadata of a found file: owner, mode, times and xattrs (overlay-private ones left). */
  static Metadata metadata(Found f) throws ErrnoException {
    Statx st = f.stat();
    return new Metadata(
        st.uid(),
        st.gid(),
        st.permissions(),
        st.atimeSec(),
        st.atimeNsec(),
        st.mtimeSec(),
        st.mtimeNsec(),
        true,
        xattrs(Xattrs.at(f.dirFd(), f.name())));
  }

  /** The xattrs at {@code path}, without the overlay's own (unescaped) ones. */
  static Map<String, byte[]> xattrs(String path) throws ErrnoException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String n : Xattrs.llist(path)) {
      if (Overlay.isPrivate(n)) {
        continue;
      }
      Xattrs.lget(path, n).ifPresent(v -> out.put(n, v));
    }
    return out;
  }

  Path root(int index) {
    return roots.get(index);
  }

  @Override
  public void close() {
    for (int fd : fds) {
      try {
        FileCalls.close(fd, "parent layer");
      } catch (ErrnoException ignored) {
        // a path descriptor holds no data to lose
      }
    }
    fds.clear();
  }
}
