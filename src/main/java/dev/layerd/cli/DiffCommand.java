package dev.layerd.cli;

import dev.layerd.api.ApplyRequest;
import dev.layerd.oci.Descriptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code layerd diff apply LAYER DIR}. */
@Command(
    name = "diff",
    description = "Apply layers with the diff service.",
    mixinStandardHelpOptions = true,
    subcommands = {DiffCommand.Apply.class})
final class DiffCommand implements Runnable {
  @ParentCommand RootCommand root;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "diff needs a subcommand: apply");
  }

  @Command(
      name = "apply",
      mixinStandardHelpOptions = true,
      description =
          "Apply a layer file (tar, tar.gz, tar.zst) onto a directory; prints its diffID.")
  static final class Apply implements Callable<Integer> {
    @ParentCommand DiffCommand group;

    @Parameters(index = "0", paramLabel = "LAYER")
    Path layer;

    @Parameters(index = "1", paramLabel = "DIR")
    Path dir;

    @Option(names = "--differ", paramLabel = "NAME", description = "overlay or walking.")
    String differ;

    @Option(names = "--media-type", paramLabel = "TYPE", description = "The layer's media type.")
    String mediaType;

    @Option(
        names = "--parent",
        paramLabel = "DIR",
        description = "Lower layer directory, top first; repeat for more.")
    List<Path> parents = new ArrayList<>();

    @Option(names = "--parallel", description = "Apply as parallel unpack does.")
    boolean parallel;

    @Override
    public Integer call() throws Exception {
      Descriptor d =
          group
              .root
              .layerd()
              .applyLayer(layer, dir, new ApplyRequest(differ, mediaType, parents, parallel));
      group.root.out.println(d.digest() + " " + d.size());
      return 0;
    }
  }
}
