package dev.layerd.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Mounts a list of mounts on a fresh temporary directory for the length of a try-with-resources
 * block, then unmounts everything and removes the directory.
 *
 * <pre>{@code
 * try (TempMount m = TempMount.mount(snapshotter.mounts(key))) {
 *   Files.readString(m.path().resolve("etc/os-release"));
 * }
 * }</pre>
 *
 * <p>Not thread-safe; {@link #close} may be called more than once.
 */
public final class TempMount implements AutoCloseable {
  private final Path path;
  private boolean closed;

  private TempMount(Path path) {
    this.path = path;
  }

  /** Mounts {@code mounts} on a new directory under the system temporary directory. */
  public static TempMount mount(List<Mount> mounts) throws IOException {
    return mount(mounts, Path.of(System.getProperty("java.io.tmpdir")));
  }

  /** Mounts {@code mounts} on a new directory under {@code parent}. */
  public static TempMount mount(List<Mount> mounts, Path parent) throws IOException {
    Files.createDirectories(parent);
    Path dir = Files.createTempDirectory(parent, "layerd-mount-");
    try {
      Mounter.mountAll(mounts, dir);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(dir);
      } catch (IOException d) {
        e.addSuppressed(d);
      }
      throw e;
    }
    return new TempMount(dir);
  }

  /** Where the mounts are visible. */
  public Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    Mounter.unmountAll(path);
    Files.deleteIfExists(path);
    closed = true;
  }
}
