package dev.layerd.cli;

import dev.layerd.archive.AppliedLayer;
import dev.layerd.archive.ArchiveOptions;
import dev.layerd.archive.Archives;
import dev.layerd.archive.WhiteoutMode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A bare entry point for measuring the applier: {@code ApplyMain LAYER TARGET [delete|overlay]}.
 * Prints the diffID and size. Not a user interface (that is the {@code layerd} command line).
 */
public final class ApplyMain {
  private ApplyMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      throw new IllegalArgumentException("usage: ApplyMain LAYER TARGET [delete|overlay]");
    }
    WhiteoutMode mode =
        args.length > 2 && args[2].equalsIgnoreCase("overlay")
            ? WhiteoutMode.OVERLAY
            : WhiteoutMode.DELETE;
    Path target = Files.createDirectories(Path.of(args[1]));
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      AppliedLayer a =
          Archives.apply(
              target,
              in,
              ArchiveOptions.builder().whiteoutMode(mode).layerName(args[0]).build());
      System.out.println(a.diffId() + " " + a.size());
    }
  }
}
