package dev.layerd.cli;

import dev.layerd.api.MountResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code layerd mount NAME TARGET [--rw]}. */
@Command(
    name = "mount",
    mixinStandardHelpOptions = true,
    description = "Mount an unpacked image (its top snapshot) or a snapshot key on a directory.")
final class MountCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Parameters(index = "0", paramLabel = "NAME", description = "Image name or snapshot key.")
  String name;

  @Parameters(index = "1", paramLabel = "TARGET", description = "Existing directory.")
  Path target;

  @Option(names = "--rw", description = "Writable: changes go to an active snapshot on top.")
  boolean rw;

  @Option(
      names = "--snapshotter",
      paramLabel = "NAME",
      description = "overlayfs (default) or native.")
  String snapshotter;

  @Override
  public Integer call() throws Exception {
    MountResult r = root.layerd().mount(name, target, rw, snapshotter);
    root.out.println(
        "mounted "
            + name
            + " on "
            + r.target()
            + " ("
            + (r.readOnly() ? "ro" : "rw")
            + ", "
            + r.snapshotter()
            + " snapshot "
            + r.key()
            + ")");
    return 0;
  }
}
