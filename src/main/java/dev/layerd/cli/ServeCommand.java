package dev.layerd.cli;

import dev.layerd.api.Layerd;
import dev.layerd.content.Provider;
import dev.layerd.server.ContainerdContent;
import dev.layerd.server.DiffServer;
import dev.layerd.server.ServeOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code layerd serve}: containerd's Diff API on a Unix socket until stopped. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Serve containerd's Diff API on a Unix socket (stop with SIGTERM or Ctrl-C).")
final class ServeCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Option(
      names = "--address",
      paramLabel = "ADDR",
      description = "Socket to serve on: unix:///path or /path (default /run/layerd/layerd.sock).")
  String address;

  @Option(
      names = "--containerd-address",
      paramLabel = "SOCKET",
      description = "Read layers from (and write diffs to) containerd's content store there.")
  Path containerdAddress;

  @Option(
      names = "--socket-group",
      paramLabel = "GROUP",
      description = "Group allowed to use the socket (default: root only).")
  String socketGroup;

  @Option(
      names = "--metrics-address",
      paramLabel = "HOST:PORT",
      description = "Serve Prometheus metrics at /metrics there.")
  String metricsAddress;

  @Option(
      names = "--differ",
      paramLabel = "NAME",
      description = "Apply with this differ only (default: the config's order).")
  String differ;

  @Option(
      names = "--max-concurrent",
      paramLabel = "N",
      description = "Requests worked on at once.")
  Integer maxConcurrent;

  @Option(
      names = "--shutdown-grace",
      paramLabel = "SECONDS",
      description = "How long a stop waits for requests in flight (default 30).")
  Integer shutdownGrace;

  @Override
  public Integer call() throws Exception {
    ServeOptions.Builder b = ServeOptions.builder().shutdownHook(true);
    if (address != null) {
      b.address(address);
    }
    if (containerdAddress != null) {
      b.containerdAddress(containerdAddress);
    }
    if (socketGroup != null) {
      b.socketGroup(socketGroup);
    }
    if (metricsAddress != null) {
      b.metricsAddress(ServeOptions.parseHostPort(metricsAddress));
    }
    if (maxConcurrent != null) {
      b.maxConcurrent(maxConcurrent);
    }
    if (shutdownGrace != null) {
      b.shutdownGrace(Duration.ofSeconds(shutdownGrace));
    }
    ServeOptions options = b.build();
    Layerd layerd = root.layerd();
    ContainerdContent containerd =
        options.containerdAddress() == null
            ? null
            : ContainerdContent.connect(options.containerdAddress());
    try {
      Provider provider = containerd != null ? containerd : layerd.contentStore();
      try (DiffServer server = DiffServer.start(options, layerd.applier(provider, differ), null)) {
        server.awaitTermination();
      }
    } finally {
      if (containerd != null) {
        containerd.close();
      }
    }
    return 0;
  }
}
