package dev.layerd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real containerd 1.7 for interoperability tests, with its own root, state, socket and config
 * under one directory. The binaries come from {@code scripts/fetch-containerd.sh} (in {@code
 * .work/containerd}, or the directory in system property {@code layerd.containerdDir}), else
 * from PATH. Missing, the test is skipped, or fails under CI.
 */
final class Containerd implements AutoCloseable {
  private final Path dir;
  private final Path socket;
  private final Process process;
  private final Path ctr;

  private Containerd(Path dir, Path socket, Process process, Path ctr) {
    this.dir = dir;
    this.socket = socket;
    this.process = process;
    this.ctr = ctr;
  }

  /** The directory holding containerd and ctr, or a skip (a failure under CI). */
  static Path binaries() {
    Path fetched = Path.of(System.getProperty("layerd.containerdDir", ".work/containerd"))
        .toAbsolutePath().resolve("usr/bin");
    if (Files.isExecutable(fetched.resolve("containerd"))
        && Files.isExecutable(fetched.resolve("ctr"))) {
      return fetched;
    }
    Optional<Path> onPath = Tools.find("containerd");
    if (onPath.isPresent() && Tools.find("ctr").isPresent()) {
      return onPath.get().getParent();
    }
    String why = "requires tool containerd 1.7 (scripts/fetch-containerd.sh puts it in "
        + fetched.getParent().getParent() + ")";
    if (Boolean.getBoolean("layerd.requireRoot")) {
      Assertions.fail(why + ": missing under CI");
    }
    Assumptions.abort(why);
    throw new AssertionError("unreachable");
  }

  /**
   * Starts containerd under {@code dir} with the CRI plugin off and {@code extraConfig} appended
   * to its version 2 config; returns once it answers on its socket.
   */
  static Containerd start(Path dir, String extraConfig) throws Exception {
    Path bin = binaries();
    Files.createDirectories(dir);
    Path socket = dir.resolve("containerd.sock");
    String config = """
        version = 2
        root = "%s"
        state = "%s"
        disabled_plugins = ["io.containerd.grpc.v1.cri"]

        [grpc]
          address = "%s"

        [ttrpc]
          address = "%s"

        [plugins."io.containerd.internal.v1.opt"]
          path = "%s"
        """.formatted(dir.resolve("root"), dir.resolve("state"), socket,
        dir.resolve("containerd.sock.ttrpc"), dir.resolve("opt")) + extraConfig;
    Path configFile = Files.writeString(dir.resolve("config.toml"), config);
    Process p = new ProcessBuilder(bin.resolve("containerd").toString(),
        "--config", configFile.toString(), "--log-level", "debug")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("containerd.log").toFile())
        .start();
    Containerd c = new Containerd(dir, socket, p, bin.resolve("ctr"));
    try {
      c.awaitReady();
    } catch (Exception | AssertionError e) {
      c.close();
      throw e;
    }
    return c;
  }

  private void awaitReady() throws Exception {
    while (true) {
      if (!process.isAlive()) {
        Assertions.fail("containerd exited with " + process.exitValue() + ":\n" + log());
      }
      if (Files.exists(socket) && run(List.of("version")).exit == 0) {
        return;
      }
      Thread.sleep(100);
    }
  }

  Path socket() {
    return socket;
  }

  String log() throws IOException {
    Path log = dir.resolve("containerd.log");
    return Files.exists(log) ? Files.readString(log) : "(no log)";
  }

  /** Runs {@code ctr --address SOCKET args...}; fails the test, with both outputs, unless 0. */
  String ctr(String... args) throws Exception {
    Result r = run(List.of(args));
    assertThat(r.exit).as("ctr %s:\n%s\ncontainerd log tail:\n%s", String.join(" ", args),
        r.output, tail(log())).isZero();
    return r.output;
  }

  /** Runs ctr like {@link #ctr}, whatever its exit status. */
  void ctrQuietly(String... args) throws Exception {
    run(List.of(args));
  }

  private record Result(int exit, String output) {}

  private Result run(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ctr.toString(), "--address", socket.toString()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }

  private static String tail(String s) {
    return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
  }

  /** Stops containerd (SIGTERM, then SIGKILL if it lingers) and waits for it. */
  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
