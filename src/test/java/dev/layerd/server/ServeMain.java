package dev.layerd.server;

import dev.layerd.content.ContentStore;
import dev.layerd.content.ContentStores;
import dev.layerd.diff.DiffService;
import dev.layerd.diff.DifferOptions;
import dev.layerd.metadata.MetadataDatabase;
import java.nio.file.Path;

/**
 * Runs the server standalone, wired as {@code layerd serve} wires it, for trying it against a
 * containerd by hand:
 *
 * <pre>
 * java -cp target/classes:target/test-classes:$(cat cp.txt) dev.layerd.server.ServeMain \
 *     [--address unix:///run/layerd/layerd.sock] [--containerd-address PATH] \
 *     [--socket-group G] [--metrics-address H:P] [--root /var/lib/layerd]
 * </pre>
 */
final class ServeMain {
  private ServeMain() {}

  public static void main(String[] args) throws Exception {
    ServeOptions.Builder options = ServeOptions.builder().shutdownHook(true);
    Path root = Path.of("/var/lib/layerd");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--address" -> options.address(args[++i]);
        case "--containerd-address" ->
            options.containerdAddress(ServeOptions.parseAddress(args[++i]));
        case "--socket-group" -> options.socketGroup(args[++i]);
        case "--metrics-address" -> options.metricsAddress(ServeOptions.parseHostPort(args[++i]));
        case "--root" -> root = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    ServeOptions o = options.build();
    DifferOptions differs = DifferOptions.defaults().withMountRoot(root.resolve("tmpmounts"));
    MetadataDatabase db = null;
    ContentStore local = null;
    if (o.containerdAddress() == null) {
      db = MetadataDatabase.open(root.resolve("metadata.db"));
      local = ContentStores.open(root, db);
    }
    DiffServer server = DiffServer.start(o,
        content -> DiffService.create(content, differs, DiffService.DEFAULT_ORDER), local);
    server.awaitTermination();
    if (db != null) {
      db.close();
    }
  }
}
