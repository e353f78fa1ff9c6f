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
   * The topmost parent layer's file at {@code path} (never following its final component), or
   * empty. A whiteout in a higher layer hides what lower layers hold.
   */
  Optional<Found> find(String path) throws ErrnoException {
    int slash = path.lastIndexOf('/');
    String dir = slash < 0 ? "" : path.substring(0, slash);
    String name = slash < 0 ? path : path.substring(slash + 1);
    for (int i = 0; i < fds.size(); i++) {
      int dfd;
      try {
        dfd =
            FileCalls.openInRoot(
                fds.get(i), dir.isEmpty() ? "." : dir, FileCalls.O_PATH | FileCalls.O_DIRECTORY,
                0);
      } catch (ErrnoException e) {
        if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) {
          continue;
        }
        throw e;
      }
      try {
        Statx st =
            FileCalls.statx(
                dfd, name, FileCalls.AT_SYMLINK_NOFOLLOW, FileCalls.STATX_BASIC_STATS);
        if (st.isWhiteout()) {
          FileCalls.close(dfd, dir);
          return Optional.empty();
        }
        return Optional.of(new Found(i, dfd, name, st));
      } catch (ErrnoException e) {
        FileCalls.close(dfd, dir);
        if (e.errno() != Errno.ENOENT) {
          throw e;
        }
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
