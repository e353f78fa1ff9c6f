package dev.layerd.diff;

import dev.layerd.errdefs.InvalidArgumentException;
import java.nio.file.Path;

/**
 * How a differ is built; checked when the differ is built, not when it applies.
 *
 * @param mountRoot where the walking differ creates its temporary mount points (an absolute
 *     path; created when missing). Default: the JVM's temporary directory; a daemon passes
 *     {@code <root>/tmpmounts}
 * @param noSameOwner keep applied files owned by the caller instead of the tar's uid/gid (for
 *     unprivileged use). Default false
 */
public record DifferOptions(Path mountRoot, boolean noSameOwner) {
  public DifferOptions {
    if (mountRoot == null) {
      throw new InvalidArgumentException("differ mount root is missing");
    }
    if (!mountRoot.isAbsolute()) {
      throw new InvalidArgumentException("differ mount root must be absolute: " + mountRoot);
    }
  }

  /** Mount points under the JVM's temporary directory, the tar's owners kept. */
  public static DifferOptions defaults() {
    return new DifferOptions(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath(), false);
  }

  public DifferOptions withMountRoot(Path mountRoot) {
    return new DifferOptions(mountRoot, noSameOwner);
  }

  public DifferOptions withNoSameOwner(boolean noSameOwner) {
    return new DifferOptions(mountRoot, noSameOwner);
  }
}
