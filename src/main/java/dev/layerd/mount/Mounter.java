package dev.layerd.mount;

import dev.layerd.linux.Errno;
import dev.layerd.linux.ErrnoException;
import dev.layerd.linux.FsMountCalls;
import dev.layerd.linux.MountCalls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts the {@link Mount} lists snapshotters hand out, and unmounts them. Needs CAP_SYS_ADMIN
 * (root, or a user namespace that owns the mount namespace).
 *
 * <p>Bind mounts are recursive ({@code MS_BIND|MS_REC}); a read-only one is remounted read-only
 * afterwards, because the kernel ignores {@code MS_RDONLY} on the first bind. Overlay mounts go
 * through mount(2) with the option string when it fits in one page (4095 bytes). A longer string
 * (deep chains: 128 layers under a long root) is mounted with the new mount API, giving each lower
 * layer on its own as {@code lowerdir+}, which needs Linux 6.8; older kernels get a {@link
 * OptionsTooLongException} that names the length and the limit.
 */
public final class Mounter {
  /** The longest option string mount(2) accepts: one page, less the terminating NUL. */
  public static final int MAX_MOUNT_DATA = 4095;

  private static final Logger LOG = LoggerFactory.getLogger(Mounter.class);

  private Mounter() {}

  /** Mounts each of {@code mounts} in order on {@code target}, an existing directory. */
  public static void mountAll(List<Mount> mounts, Path target) throws IOException {
    List<Mount> done = new ArrayList<>();
    try {
      for (Mount m : mounts) {
        mount(m, target);
        done.add(m);
      }
    } catch (IOException | RuntimeException e) {
      for (int i = 0; i < done.size(); i++) {
        try {
          unmount(target);
        } catch (IOException u) {
          e.addSuppressed(u);
        }
      }
      throw e;
    }
  }

  /** Mounts one {@code mount} on {@code target}. */
  public static void mount(Mount mount, Path target) throws IOException {
    switch (mount) {
      case BindMount b -> bind(b, target);
      case OverlayMount o -> overlay(o, target);
      case OtherMount o -> other(o, target);
    }
  }

  private static void bind(BindMount b, Path target) throws IOException {
    long extra = flags(b.extraOptions());
    MountCalls.mount(b.source(), target, null, MountCalls.MS_BIND | MountCalls.MS_REC, null);
    if (b.readOnly() || extra != 0) {
      long ro = b.readOnly() ? MountCalls.MS_RDONLY : 0;
      try {
        MountCalls.mount(
            null, target, null, MountCalls.MS_REMOUNT | MountCalls.MS_BIND | ro | extra, null);
      } catch (ErrnoException e) {
        try {
          MountCalls.unmount(target, MountCalls.MNT_DETACH);
        } catch (ErrnoException u) {
          e.addSuppressed(u);
        }
        throw e;
      }
    }
  }

  private static void overlay(OverlayMount o, Path target) throws IOException {
    String data = String.join(",", o.options());
    if (data.length() <= MAX_MOUNT_DATA) {
      MountCalls.mount("overlay", target, "overlay", 0, data);
      return;
    }
    overlayByParts(o, target, data.length());
  }

  /** Mounts an overlay through fsopen/fsconfig, one lower layer per call (Linux 6.8+). */
  static void overlayByParts(OverlayMount o, Path target, int dataLength) throws IOException {
    // TODO: no way to mount such chains before Linux 6.8; short symlinked lower paths in a
    // private directory would resolve it if older kernels must be served.
    if (!kernelAtLeast(System.getProperty("os.version"), 6, 8)) {
      throw new OptionsTooLongException(target, dataLength, o.lowerDirs().size(), null);
    }
    int fs = FsMountCalls.fsopen("overlay");
    try {
      String what = target.toString();
      for (Path lower : o.lowerDirs()) {
        try {
          FsMountCalls.setString(fs, "lowerdir+", lower.toString(), what);
        } catch (ErrnoException e) {
          if (e.errno() == Errno.EINVAL) {
            throw new OptionsTooLongException(target, dataLength, o.lowerDirs().size(), e);
          }
          throw e;
        }
      }
      if (o.upperDir() != null) {
        FsMountCalls.setString(fs, "upperdir", o.upperDir().toString(), what);
        FsMountCalls.setString(fs, "workdir", o.workDir().toString(), what);
      }
      for (String opt : o.extraOptions()) {
        int eq = opt.indexOf('=');
        if (eq < 0) {
          FsMountCalls.setFlag(fs, opt, what);
        } else {
          FsMountCalls.setString(fs, opt.substring(0, eq), opt.substring(eq + 1), what);
        }
      }
      FsMountCalls.create(fs, what);
      int mnt = FsMountCalls.fsmount(fs, 0, what);
      try {
        FsMountCalls.attach(mnt, target);
      } finally {
        FsMountCalls.close(mnt);
      }
    } finally {
      FsMountCalls.close(fs);
    }
  }

  /** True when a kernel release string like {@code 6.18.4-foo} is at least major.minor. */
  static boolean kernelAtLeast(String release, int major, int minor) {
    String[] parts = release.split("[.-]");
    try {
      int ma = Integer.parseInt(parts[0]);
      int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return ma > major || (ma == major && mi >= minor);
    } catch (NumberFormatException e) {
      return true; // unknown format: try, and let the kernel answer
    }
  }

  private static void other(OtherMount o, Path target) throws IOException {
    long flags = 0;
    List<String> data = new ArrayList<>();
    for (String opt : o.options()) {
      long f = flag(opt);
      if (f != 0) {
        flags |= f;
      } else if (!opt.equals("rw") && !opt.equals("defaults")) {
        data.add(opt);
      }
    }
    String options = data.isEmpty() ? null : String.join(",", data);
    MountCalls.mount(o.source(), target, o.type(), flags, options);
  }

  /**
   * Unmounts the topmost mount on {@code target}. A busy mount is retried for a while (a process
   * may still be leaving it), then detached lazily with a warning.
   */
  public static void unmount(Path target) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        MountCalls.unmount(target, 0);
        return;
      } catch (ErrnoException e) {
        if (e.errno() != Errno.EBUSY) {
          throw e;
        }
        if (attempt >= 50) {
          LOG.warn("{} still busy after {} tries, detaching it lazily", target, attempt);
          MountCalls.unmount(target, MountCalls.MNT_DETACH);
          return;
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted unmounting " + target, ie);
      }
    }
  }

  /** Unmounts everything stacked on {@code target}; nothing mounted there is fine. */
  public static void unmountAll(Path target) throws IOException {
    for (int i = 0; i < 1000; i++) {
      try {
        unmount(target);
      } catch (ErrnoException e) {
        if (e.errno() == Errno.EINVAL || e.errno() == Errno.ENOENT) {
          return;
        }
        throw e;
      }
    }
    throw new IOException("more than 1000 mounts stacked on " + target);
  }

  private static long flags(List<String> options) {
    long f = 0;
    for (String o : options) {
      f |= flag(o);
    }
    return f;
  }

  private static long flag(String option) {
    return switch (option) {
      case "ro" -> MountCalls.MS_RDONLY;
      case "nosuid" -> MountCalls.MS_NOSUID;
      case "nodev" -> MountCalls.MS_NODEV;
      default -> 0;
    };
  }
}
