package dev.layerd.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.layerd.api.Layerd;
import dev.layerd.api.LayerdOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code layerd [--root DIR] [--config FILE] [--log-level L] COMMAND}. The subcommands are added
 * by {@link #subcommandsFor}, not listed in the annotation.
 */
@Command(
    name = "layerd",
    mixinStandardHelpOptions = true,
    version = "layerd 0.1.0",
    description = "Imports OCI images and unpacks their layers into overlay snapshots.")
final class RootCommand implements Runnable {
  /** The subcommands, in the order the help lists them. */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          ImageCommand.class,
          UnpackCommand.class,
          MountCommand.class,
          UnmountCommand.class,
          SnapshotCommand.class,
          ContentCommand.class,
          DiffCommand.class,
          ConfigCommand.class,
          DeprecationsCommand.class,
          PruneCommand.class,
          ServeCommand.class);

  /** The options that take a value, which the subcommand's name comes after. */
  private static final Set<String> VALUED = Set.of("--root", "--config", "--log-level");

  /**
   * The subcommands {@code args} needs: only the one it names, or all of them for help, errors
   * and anything not plainly {@code [OPTIONS] NAME ...}. picocli built the model of all eleven,
   * with their options and subcommands, on every run: 40 to 100 ms.
   */
  static List<Class<?>> subcommandsFor(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      int eq = a.indexOf('=');
      if (VALUED.contains(a)) {
        i++; // --root DIR
      } else if (eq < 0 || !VALUED.contains(a.substring(0, eq))) { // not --root=DIR
        if (a.startsWith("-")) {
          return SUBCOMMANDS; // help, version, or an error picocli explains
        }
        for (Class<?> c : SUBCOMMANDS) {
          if (c.getAnnotation(Command.class).name().equals(a)) {
            return List.of(c);
          }
        }
        return SUBCOMMANDS;
      }
    }
    return SUBCOMMANDS;
  }

  private final Main.Opener opener;
  final PrintWriter out;
  final PrintWriter err;
  final boolean terminal;
  private Layerd layerd;

  @Spec CommandSpec spec;

  @Option(
      names = "--root",
      paramLabel = "DIR",
      description =
          "State directory (default: the config's root, /var/lib/layerd; "
              + "rootless: $XDG_DATA_HOME/layerd).")
  Path root;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Config file (default: /etc/layerd/config.toml when it exists).")
  Path config;

  RootCommand(Main.Opener opener, PrintWriter out, PrintWriter err, boolean terminal) {
    this.opener = opener;
    this.out = out;
    this.err = err;
    this.terminal = terminal;
  }

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description = "Log level on stderr: error, warn, info, debug, trace (default info).")
  void logLevel(String level) {
    Level l = Level.toLevel(level, null);
    if (l == null) {
      throw new ParameterException(spec.commandLine(), "unknown log level: " + level);
    }
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(l);
  }

  /** The root, opened on first use and closed by {@link #close}. */
  Layerd layerd() throws IOException {
    if (layerd == null) {
      layerd = opener.open(new LayerdOptions(root, config));
    }
    return layerd;
  }

  void close() throws IOException {
    if (layerd != null) {
      layerd.close();
      layerd = null;
    }
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required (see layerd --help)");
  }
}
