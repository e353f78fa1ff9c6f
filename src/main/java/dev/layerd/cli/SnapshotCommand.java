package dev.layerd.cli;

import dev.layerd.mount.Mount;
import dev.layerd.snapshots.SnapshotInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code layerd snapshot ls|tree|mounts KEY|rm KEY}. */
@Command(
    name = "snapshot",
    description = "List, show and remove snapshots.",
    mixinStandardHelpOptions = true,
    subcommands = {
      SnapshotCommand.Ls.class,
      SnapshotCommand.Tree.class,
      SnapshotCommand.Mounts.class,
      SnapshotCommand.Rm.class
    })
final class SnapshotCommand implements Runnable {
  @ParentCommand RootCommand root;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--snapshotter",
      paramLabel = "NAME",
      scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "overlayfs (default) or native.")
  String snapshotter;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "snapshot needs a subcommand: ls, tree, mounts or rm");
  }

  static Map<String, Object> toJson(SnapshotInfo i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", i.name());
    m.put("parent", i.parent());
    m.put("kind", i.kind().name().toLowerCase(Locale.ROOT));
    m.put("labels", i.labels());
    m.put("created", String.valueOf(i.created()));
    m.put("updated", String.valueOf(i.updated()));
    return m;
  }

  @Command(name = "ls", description = "List snapshots.", mixinStandardHelpOptions = true)
  static final class Ls implements Callable<Integer> {
    @ParentCommand SnapshotCommand group;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      List<SnapshotInfo> all = group.root.layerd().snapshots(group.snapshotter);
      if (json) {
        Output.json(group.root.out, all.stream().map(SnapshotCommand::toJson).toList());
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (SnapshotInfo i : all) {
        rows.add(List.of(i.name(), i.parent(), i.kind().name().toLowerCase(Locale.ROOT)));
      }
      Output.table(group.root.out, List.of("KEY", "PARENT", "KIND"), rows);
      return 0;
    }
  }

  @Command(
      name = "tree",
      description = "Show snapshots as a tree of parents.",
      mixinStandardHelpOptions = true)
  static final class Tree implements Callable<Integer> {
    @ParentCommand SnapshotCommand group;

    @Override
    public Integer call() throws Exception {
      List<SnapshotInfo> all = group.root.layerd().snapshots(group.snapshotter);
      Map<String, List<SnapshotInfo>> children = new HashMap<>();
      for (SnapshotInfo i : all) {
        children.computeIfAbsent(i.parent(), k -> new ArrayList<>()).add(i);
      }
      print(group.root.out, children, "", 0);
      return 0;
    }

    private static void print(
        java.io.PrintWriter out,
        Map<String, List<SnapshotInfo>> children,
        String parent,
        int depth) {
      for (SnapshotInfo i : children.getOrDefault(parent, List.of())) {
        out.println(
            "  ".repeat(depth)
                + (depth == 0 ? "" : "\\_ ")
                + i.name()
                + " ["
                + i.kind().name().toLowerCase(Locale.ROOT)
                + "]");
        print(out, children, i.name(), depth + 1);
      }
    }
  }

  @Command(
      name = "mounts",
      description = "Print the mounts of an active snapshot or view.",
      mixinStandardHelpOptions = true)
  static final class Mounts implements Callable<Integer> {
    @ParentCommand SnapshotCommand group;

    @Parameters(paramLabel = "KEY")
    String key;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      List<Mount> mounts = group.root.layerd().snapshotMounts(group.snapshotter, key);
      if (json) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Mount m : mounts) {
          Map<String, Object> j = new LinkedHashMap<>();
          j.put("type", m.type());
          j.put("source", m.source());
          j.put("options", m.options());
          out.add(j);
        }
        Output.json(group.root.out, out);
        return 0;
      }
      for (Mount m : mounts) {
        group.root.out.println(
            "mount -t "
                + m.type()
                + " "
                + m.source()
                + " TARGET -o "
                + String.join(",", m.options()));
      }
      return 0;
    }
  }

  @Command(
      name = "rm",
      description = "Remove a snapshot with no children.",
      mixinStandardHelpOptions = true)
  static final class Rm implements Callable<Integer> {
    @ParentCommand SnapshotCommand group;

    @Parameters(paramLabel = "KEY", arity = "1..*")
    List<String> keys;

    @Override
    public Integer call() throws Exception {
      for (String k : keys) {
        group.root.layerd().removeSnapshot(group.snapshotter, k);
        group.root.out.println(k);
      }
      return 0;
    }
  }
}
