package dev.layerd.cli;

import dev.layerd.content.ContentInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code layerd content ls}. */
@Command(
    name = "content",
    description = "Inspect the content store.",
    mixinStandardHelpOptions = true,
    subcommands = {ContentCommand.Ls.class})
final class ContentCommand implements Runnable {
  @ParentCommand RootCommand root;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "content needs a subcommand: ls");
  }

  @Command(name = "ls", description = "List blobs.", mixinStandardHelpOptions = true)
  static final class Ls implements Callable<Integer> {
    @ParentCommand ContentCommand group;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      List<ContentInfo> all = group.root.layerd().content();
      if (json) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ContentInfo c : all) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("digest", c.digest().toString());
          m.put("size", c.size());
          m.put("created", String.valueOf(c.createdAt()));
          m.put("labels", c.labels());
          out.add(m);
        }
        Output.json(group.root.out, out);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (ContentInfo c : all) {
        List<String> labels = new ArrayList<>();
        c.labels().forEach((k, v) -> labels.add(k + "=" + v));
        rows.add(List.of(c.digest().toString(), Output.size(c.size()), String.join(",", labels)));
      }
      Output.table(group.root.out, List.of("DIGEST", "SIZE", "LABELS"), rows);
      return 0;
    }
  }
}
