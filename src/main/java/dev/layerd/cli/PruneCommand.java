package dev.layerd.cli;

import dev.layerd.api.PruneResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code layerd prune}. */
@Command(
    name = "prune",
    mixinStandardHelpOptions = true,
    description = "Remove blobs no image reaches and snapshots no unpacked image uses.")
final class PruneCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Option(names = "--json", description = "Print what was removed as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PruneResult r = root.layerd().prune();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("blobs", r.blobs().stream().map(Object::toString).toList());
      m.put("snapshots", r.snapshots());
      m.put("bytes", r.bytes());
      Output.json(root.out, m);
      return 0;
    }
    r.blobs().forEach(d -> root.out.println("removed blob " + d));
    r.snapshots().forEach(s -> root.out.println("removed snapshot " + s));
    root.out.println(
        "pruned "
            + r.blobs().size()
            + " blobs ("
            + Output.size(r.bytes())
            + "), "
            + r.snapshots().size()
            + " snapshots");
    return 0;
  }
}
