package dev.layerd.cli;

import dev.layerd.images.Image;
import dev.layerd.images.ImportOptions;
import dev.layerd.oci.Platform;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code layerd image import|ls|rm}. */
@Command(
    name = "image",
    description = "Import, list and remove images.",
    mixinStandardHelpOptions = true,
    subcommands = {ImageCommand.Import.class, ImageCommand.Ls.class, ImageCommand.Rm.class})
final class ImageCommand implements Runnable {
  @ParentCommand RootCommand root;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "image needs a subcommand: import, ls or rm");
  }

  static Map<String, Object> toJson(Image i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", i.name());
    m.put("mediaType", i.target().mediaType());
    m.put("digest", i.target().digest().toString());
    m.put("size", i.target().size());
    m.put("created", i.created().toString());
    m.put("updated", i.updated().toString());
    m.put("labels", i.labels());
    return m;
  }

  @Command(
      name = "import",
      description = "Import an OCI layout, OCI archive or docker-archive.",
      mixinStandardHelpOptions = true)
  static final class Import implements Callable<Integer> {
    @ParentCommand ImageCommand group;

    @Parameters(paramLabel = "PATH", description = "Layout directory or archive file.")
    Path path;

    @Option(names = "--name", paramLabel = "NAME", description = "Name for the imported image.")
    String name;

    @Option(
        names = "--platform",
        paramLabel = "OS/ARCH[/VARIANT]",
        description = "Platform to keep from a multi-platform image (default: this host's).")
    String platform;

    @Option(names = "--all-platforms", description = "Keep every platform.")
    boolean allPlatforms;

    @Option(names = "--json", description = "Print the imported images as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      ImportOptions opts =
          new ImportOptions(name, platform == null ? null : Platform.parse(platform), allPlatforms);
      List<Image> imported = group.root.layerd().importImage(path, opts);
      if (json) {
        Output.json(group.root.out, imported.stream().map(ImageCommand::toJson).toList());
      } else {
        for (Image i : imported) {
          group.root.out.println(i.name() + " " + i.target().digest());
        }
      }
      return 0;
    }
  }

  @Command(name = "ls", description = "List images.", mixinStandardHelpOptions = true)
  static final class Ls implements Callable<Integer> {
    @ParentCommand ImageCommand group;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      List<Image> images = group.root.layerd().images();
      if (json) {
        Output.json(group.root.out, images.stream().map(ImageCommand::toJson).toList());
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (Image i : images) {
        rows.add(
            List.of(
                i.name(),
                i.target().mediaType(),
                i.target().digest().toString(),
                Output.size(i.target().size())));
      }
      Output.table(group.root.out, List.of("NAME", "TYPE", "DIGEST", "SIZE"), rows);
      return 0;
    }
  }

  @Command(
      name = "rm",
      description = "Remove image records (blobs stay until prune).",
      mixinStandardHelpOptions = true)
  static final class Rm implements Callable<Integer> {
    @ParentCommand ImageCommand group;

    @Parameters(paramLabel = "NAME", arity = "1..*", description = "Images to remove.")
    List<String> names;

    @Override
    public Integer call() throws Exception {
      group.root.layerd().removeImages(names);
      for (String n : names) {
        group.root.out.println(n);
      }
      return 0;
    }
  }
}
