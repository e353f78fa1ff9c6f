package dev.layerd.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the external programs some tests use as independent producers and judges of layers
 * (GNU tar, umoci, skopeo, containerd). A missing program skips the test with a reason starting
 * "requires tool"; under CI ({@code layerd.requireRoot=true}) it fails instead, because CI
 * installs them all.
 */
public final class Tools {
  private static final String[] DIRS = {
    "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"
  };

  private Tools() {}

  /** The path of {@code name}, or a skip (a failure under CI) when it is not installed. */
  public static Path require(String name) {
    Optional<Path> p = find(name);
    if (p.isPresent()) {
      return p.get();
    }
    String why = "requires tool " + name + " (installed by scripts/install-deps.sh)";
    if (Boolean.getBoolean("layerd.requireRoot")) {
      Assertions.fail(why + ": missing under CI");
    }
    Assumptions.abort(why);
    throw new AssertionError("unreachable");
  }

  /**
   * Nothing when {@code present}; otherwise a skip (a failure under CI) saying that the library
   * {@code name} is missing.
   */
  public static void requireLibrary(String name, boolean present) {
    if (present) {
      return;
    }
    String why = "requires tool " + name + " (a library installed by scripts/install-deps.sh)";
    if (Boolean.getBoolean("layerd.requireRoot")) {
      Assertions.fail(why + ": missing under CI");
    }
    Assumptions.abort(why);
  }

  /** The path of {@code name} on PATH or in the usual directories, if any. */
  public static Optional<Path> find(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String d : (path + ":" + String.join(":", DIRS)).split(":")) {
      if (d.isEmpty()) {
        continue;
      }
      Path p = Path.of(d, name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
