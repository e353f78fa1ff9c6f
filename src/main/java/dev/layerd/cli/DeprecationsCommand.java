package dev.layerd.cli;

import dev.layerd.config.Deprecation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code layerd deprecations}: deprecated features the config in effect uses. */
@Command(
    name = "deprecations",
    mixinStandardHelpOptions = true,
    description = "List deprecated features the config uses (--all: every known one).")
final class DeprecationsCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Option(names = "--all", description = "List every known deprecation, in use or not.")
  boolean all;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    List<Deprecation> list = all ? Deprecation.known() : ConfigCommand.load(root).deprecations();
    if (json) {
      Output.json(
          root.out,
          list.stream()
              .map(
                  d -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", d.id());
                    m.put("message", d.message());
                    return m;
                  })
              .toList());
      return 0;
    }
    if (list.isEmpty()) {
      root.err.println("no deprecated features in use");
    }
    for (Deprecation d : list) {
      root.out.println(d.id() + ": " + d.message());
    }
    return 0;
  }
}
