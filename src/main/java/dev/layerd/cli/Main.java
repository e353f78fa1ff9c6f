package dev.layerd.cli;

import dev.layerd.api.Layerd;
import dev.layerd.api.LayerdOptions;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;

/** The {@code layerd} command: exit 0 on success, 1 on failure, 2 on a usage error. */
public final class Main {
  private Main() {}

  /** Opens a root; tests give their own. */
  @FunctionalInterface
  interface Opener {
    Layerd open(LayerdOptions options) throws IOException;
  }

  public static void main(String[] args) {
    System.setProperty(LogConfigurator.ACTIVE, "true"); // before the first logger exists
    int code =
        run(
            args,
            new PrintWriter(System.out, true),
            new PrintWriter(System.err, true),
            Layerd::open,
            System.console() != null);
    System.exit(code);
  }

  /** Runs one command line and returns its exit code. */
  static int run(String[] args, PrintWriter out, PrintWriter err, Opener opener, boolean terminal) {
    RootCommand root = new RootCommand(opener, out, err, terminal);
    CommandLine cl = new CommandLine(root);
    for (Class<?> c : RootCommand.subcommandsFor(args)) {
      cl.addSubcommand(c); // before the settings below, which apply to the commands there are
    }
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          err.println("layerd: " + Errors.describe(e));
          err.flush();
          return CommandLine.ExitCode.SOFTWARE;
        });
    int code = cl.execute(args);
    try {
      root.close();
    } catch (IOException | RuntimeException e) {
      err.println("layerd: " + Errors.describe(e));
      code = code == 0 ? CommandLine.ExitCode.SOFTWARE : code;
    }
    out.flush();
    err.flush();
    return code;
  }
}
