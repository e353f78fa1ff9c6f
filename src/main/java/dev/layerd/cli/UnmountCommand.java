package dev.layerd.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code layerd unmount TARGET}. */
@Command(
    name = "unmount",
    mixinStandardHelpOptions = true,
    description = "Unmount a directory mounted by layerd mount and remove its view.")
final class UnmountCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Parameters(paramLabel = "TARGET", description = "Mounted directory.")
  Path target;

  @Override
  public Integer call() throws Exception {
    List<String> kept = root.layerd().unmount(target);
    root.out.println("unmounted " + target);
    for (String k : kept) {
      root.out.println("kept active snapshot " + k + " (remove it with: layerd snapshot rm)");
    }
    return 0;
  }
}
