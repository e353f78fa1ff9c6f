package dev.layerd.diff;

import dev.layerd.linux.Errno;
import dev.layerd.linux.ErrnoException;
import dev.layerd.linux.MountCalls;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OtherMount;
import dev.layerd.mount.OverlayMount;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts on a fresh temporary directory, stacked in list order, and takes them down again on
 * {@link #close()}: unmounts in reverse, detaching lazily what is busy, then removes the directory.
 * Only bind and overlay mounts are understood.
 */
// TODO: duplicates the mount package's mountAll/unmount helpers; use those once they are on main.
final class TempMounts implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(TempMounts.class);

  private final Path target;
  private int mounted;

  private TempMounts(Path target) {
    this.target = target;
  }

  /** Mounts {@code mounts} on a new directory under {@code parent}. */
  static TempMounts mount(List<Mount> mounts, Path parent) throws IOException {
    Files.createDirectories(parent);
    TempMounts t = new TempMounts(Files.createTempDirectory(parent, "apply-"));
    try {
      for (Mount m : mounts) {
        mountOne(m, t.target);
        t.mounted++;
      }
    } catch (IOException | RuntimeException e) {
      try {
        t.close();
      } catch (IOException | RuntimeException c) {
        e.addSuppressed(c);
      }
      throw e;
    }
    return t;
  }

  /** Where the mounts are. */
  Path target() {
    return target;
  }

  @Override
  public void close() throws IOException {
    for (; mounted > 0; mounted--) {
      unmount(target);
    }
    Files.deleteIfExists(target);
  }

  private static void unmount(Path target) throws ErrnoException {
    try {
      MountCalls.unmount(target, 0);
    } catch (ErrnoException e) {
      if (e.errno() != Errno.EBUSY) {
        throw e;
      }
      LOG.warn("{} is busy; detaching it lazily", target);
      MountCalls.unmount(target, MountCalls.MNT_DETACH);
    }
  }

  private static void mountOne(Mount m, Path target) throws ErrnoException {
    switch (m) {
      case BindMount b -> {
        MountCalls.mount(b.source(), target, null, MountCalls.MS_BIND | MountCalls.MS_REC, null);
        long flags = flags(b.extraOptions(), new ArrayList<>()) | (b.readOnly() ? ro() : 0);
        if (flags != 0) {
          // A bind mount takes its flags only from a remount.
          MountCalls.mount(
              null, target, null, MountCalls.MS_REMOUNT | MountCalls.MS_BIND | flags, null);
        }
      }
      case OverlayMount o -> {
        List<String> data = new ArrayList<>();
        long flags = flags(o.options(), data);
        // TODO: option strings beyond one page fail with EINVAL; mount relative to a common
        // directory (as containerd does) once many-layer views need it.
        MountCalls.mount("overlay", target, "overlay", flags, String.join(",", data));
      }
      case OtherMount x ->
          throw new IllegalArgumentException("cannot mount type " + x.type() + " here");
    }
  }

  private static long ro() {
    return MountCalls.MS_RDONLY;
  }

  /** Splits mount(8) options into flags (returned) and filesystem data (added to {@code data}). */
  private static long flags(List<String> options, List<String> data) {
    long flags = 0;
    for (String o : options) {
      switch (o) {
        case "ro" -> flags |= MountCalls.MS_RDONLY;
        case "nosuid" -> flags |= MountCalls.MS_NOSUID;
        case "nodev" -> flags |= MountCalls.MS_NODEV;
        case "noexec" -> flags |= 8L;
        case "rw", "bind", "rbind", "suid", "dev", "exec" -> {}
        default -> data.add(o);
      }
    }
    return flags;
  }
}
