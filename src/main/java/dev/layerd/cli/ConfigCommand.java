package dev.layerd.cli;

import dev.layerd.config.Config;
import dev.layerd.config.ConfigLoader;
import dev.layerd.config.ConfigWriter;
import dev.layerd.config.LoadedConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code layerd config default|dump|migrate FILE}. */
@Command(
    name = "config",
    description = "Print, dump and migrate the TOML config.",
    mixinStandardHelpOptions = true,
    subcommands = {
      ConfigCommand.Default.class,
      ConfigCommand.Dump.class,
      ConfigCommand.Migrate.class
    })
final class ConfigCommand implements Runnable {
  @ParentCommand RootCommand root;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "config needs a subcommand: default, dump or migrate");
  }

  /** The config in effect: --config, else the default file when it exists, else defaults. */
  static LoadedConfig load(RootCommand root) throws java.io.IOException {
    return root.config != null
        ? ConfigLoader.load(root.config)
        : ConfigLoader.loadOrDefaults(Config.DEFAULT_PATH);
  }

  @Command(
      name = "default",
      description = "Print the built-in default config.",
      mixinStandardHelpOptions = true)
  static final class Default implements Callable<Integer> {
    @ParentCommand ConfigCommand group;

    @Override
    public Integer call() {
      group.root.out.print(ConfigWriter.toToml(Config.defaults()));
      return 0;
    }
  }

  @Command(
      name = "dump",
      description = "Print the config in effect, migrated, defaults filled in.",
      mixinStandardHelpOptions = true)
  static final class Dump implements Callable<Integer> {
    @ParentCommand ConfigCommand group;

    @Override
    public Integer call() throws Exception {
      Config c = load(group.root).config();
      if (group.root.root != null) {
        c = c.withRoot(group.root.root.toAbsolutePath());
      }
      group.root.out.print(ConfigWriter.toToml(c));
      return 0;
    }
  }

  @Command(
      name = "migrate",
      description = "Print FILE migrated to the current config version.",
      mixinStandardHelpOptions = true)
  static final class Migrate implements Callable<Integer> {
    @ParentCommand ConfigCommand group;

    @Parameters(paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() throws Exception {
      group.root.out.print(ConfigLoader.migrate(Files.readString(file)));
      return 0;
    }
  }
}
