package dev.layerd.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server as its own process, wired like {@code layerd serve}, stopped by SIGTERM. */
class ServeMainTest {
  @TempDir Path dir;

  @Test
  void servesUntilSigtermThenRemovesItsSocket() throws Exception {
    Path socket = dir.resolve("layerd.sock");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), ServeMain.class.getName(),
            "--address", "unix://" + socket, "--root", dir.resolve("root").toString()))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("serve.log").toFile())
        .start();
    try {
      while (!Files.exists(socket)) {
        assertThat(p.isAlive()).as("server process; log:\n%s", log()).isTrue();
        Thread.sleep(50);
      }
      try (UnixChannels.Client client = UnixChannels.connect(socket)) {
        assertThat(HealthGrpc.newBlockingStub(client.channel())
                .check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      }

      p.destroy();

      assertThat(p.waitFor()).as("exit status after SIGTERM; log:\n%s", log()).isEqualTo(143);
      assertThat(socket).doesNotExist();
      assertThat(log()).contains("stopped serving on " + socket);
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  private String log() throws Exception {
    return Files.readString(dir.resolve("serve.log"));
  }
}
