package dev.layerd.content;

import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.oci.Descriptor;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Run in a separate JVM by {@link ContentStoreProcessTest}: waits for a start file, then ingests
 * a seeded random blob into the store at {@code args[0]}.
 */
final class IngestProcess {
  private IngestProcess() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    byte[] data = ContentStoreTest.bytes(Integer.parseInt(args[1]), Long.parseLong(args[2]));
    Path go = root.resolve("go");
    Descriptor d = ContentStoreTest.describe(data);
    try (MetadataDatabase db = MetadataDatabase.open(root.resolve("metadata.db"))) {
      ContentStore store = ContentStores.open(root, db);
      Files.createFile(root.resolve("ready-" + ProcessHandle.current().pid()));
      while (!Files.exists(go)) {
        Thread.onSpinWait();
      }
      for (int i = 0; i < 3; i++) {
        store.ingest(d, new ByteArrayInputStream(data), Map.of("pid", "" + i));
        if (i < 2) {
          try {
            store.delete(d.digest());
          } catch (dev.layerd.errdefs.NotFoundException e) {
            // the other process deleted it first
          }
        }
      }
    }
  }
}
