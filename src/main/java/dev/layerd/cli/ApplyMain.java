package dev.layerd.cli;

import dev.layerd.archive.AppliedLayer;
import dev.layerd.archive.ArchiveOptions;
import dev.layerd.archive.Archives;
import dev.layerd.archive.WhiteoutMode;
import dev.layerd.linux.SyncCalls;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A bare entry point for measuring the applier: {@code ApplyMain LAYER TARGET [delete|overlay]}.
 * Prints the diffID and size. With {@code -Dlayerd.repeat=N} it applies the layer N times in one
 * JVM, into {@code TARGET/1} to {@code TARGET/N}, and prints each pass's milliseconds: the later
 * passes show what a long-running layerd (the gRPC service) takes once its code is compiled. With
 * {@code -Dlayerd.dropCaches=true} (root) each pass starts as a benchmark's fresh process does: the
 * earlier passes' files synced, the page cache dropped and the layer read back in. Not a user
 * interface (that is the {@code layerd} command line).
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
    int repeat = Integer.getInteger("layerd.repeat", 0);
    Path target = Files.createDirectories(Path.of(args[1]));
    for (int pass = 1; pass <= Math.max(1, repeat); pass++) {
      Path into =
          repeat > 0 ? Files.createDirectories(target.resolve(Integer.toString(pass))) : target;
      if (Boolean.getBoolean("layerd.dropCaches")) {
        SyncCalls.syncfs(target);
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
          in.transferTo(OutputStream.nullOutputStream());
        }
      }
      long start = System.nanoTime();
      try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
        AppliedLayer a =
            Archives.apply(
                into, in, ArchiveOptions.builder().whiteoutMode(mode).layerName(args[0]).build());
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println(a.diffId() + " " + a.size() + (repeat > 0 ? " " + ms + " ms" : ""));
      }
    }
  }
}
