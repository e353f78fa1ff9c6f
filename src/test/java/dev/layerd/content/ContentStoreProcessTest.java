package dev.layerd.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.oci.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreProcessTest {
  @TempDir Path root;

  @Test
  void twoProcessesWritingOneDigestEndWithOneBlob() throws Exception {
    int size = 8 << 20;
    long seed = 42;
    String java = ProcessHandle.current().info().command().orElse("java");
    List<Process> procs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      procs.add(
          new ProcessBuilder(
                  java, "-cp", System.getProperty("java.class.path"),
                  IngestProcess.class.getName(), root.toString(), "" + size, "" + seed)
              .redirectErrorStream(true)
              .redirectOutput(root.resolve("out-" + i + ".log").toFile())
              .start());
    }
    while (readyCount() < 2 && procs.stream().allMatch(Process::isAlive)) {
      Thread.sleep(20);
    }
    Files.createFile(root.resolve("go"));

    for (int i = 0; i < procs.size(); i++) {
      int rc = procs.get(i).waitFor();
      assertThat(rc).as(Files.readString(root.resolve("out-" + i + ".log"))).isZero();
    }

    Descriptor d = ContentStoreTest.describe(ContentStoreTest.bytes(size, seed));
    try (MetadataDatabase db = MetadataDatabase.open(root.resolve("metadata.db"))) {
      ContentStore store = ContentStores.open(root, db);
      assertThat(store.list()).singleElement()
          .satisfies(info -> assertThat(info.digest()).isEqualTo(d.digest()));
      try (InputStream in = store.open(d.digest())) {
        assertThat(in.readAllBytes()).isEqualTo(ContentStoreTest.bytes(size, seed));
      }
      try (Stream<Path> s = Files.list(root.resolve("content/ingest"))) {
        assertThat(s.toList()).isEmpty();
      }
    }
  }

  private long readyCount() throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(p -> p.getFileName().toString().startsWith("ready-")).count();
    }
  }
}
