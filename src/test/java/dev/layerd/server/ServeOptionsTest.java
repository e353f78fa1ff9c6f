package dev.layerd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.errdefs.InvalidArgumentException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ServeOptionsTest {
  @Test
  void defaultsToTheRunDirectorySocketAndABoundedPool() {
    ServeOptions o = ServeOptions.defaults();

    assertThat(o.socket()).isEqualTo(Path.of("/run/layerd/layerd.sock"));
    assertThat(o.containerdAddress()).isNull();
    assertThat(o.maxConcurrent()).isBetween(2, 16);
    assertThat(o.maxQueued()).isEqualTo(1024);
    assertThat(o.shutdownHook()).isFalse();
  }

  @Test
  void parsesUnixAddressesInEachSpelling() {
    assertThat(ServeOptions.parseAddress("unix:///run/x.sock")).isEqualTo(Path.of("/run/x.sock"));
    assertThat(ServeOptions.parseAddress("unix:/run/x.sock")).isEqualTo(Path.of("/run/x.sock"));
    assertThat(ServeOptions.parseAddress("/run/x.sock")).isEqualTo(Path.of("/run/x.sock"));
  }

  @Test
  void refusesAddressesItCannotServeOn() {
    assertThatThrownBy(() -> ServeOptions.parseAddress("tcp://127.0.0.1:1234"))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("Unix socket");
    assertThatThrownBy(() -> ServeOptions.parseAddress("unix://relative.sock"))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("absolute");
  }

  @Test
  void parsesMetricsHostAndPort() {
    assertThat(ServeOptions.parseHostPort("127.0.0.1:9100"))
        .isEqualTo(new InetSocketAddress("127.0.0.1", 9100));
    assertThat(ServeOptions.parseHostPort("[::1]:9100").getPort()).isEqualTo(9100);
    assertThat(ServeOptions.parseHostPort(":9100").getAddress().isAnyLocalAddress()).isTrue();
    assertThatThrownBy(() -> ServeOptions.parseHostPort("localhost"))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("HOST:PORT");
    assertThatThrownBy(() -> ServeOptions.parseHostPort("h:99999"))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("out of range");
  }

  @Test
  void refusesNonsensicalLimits() {
    assertThatThrownBy(() -> ServeOptions.builder().maxConcurrent(0).build())
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> ServeOptions.builder().maxQueued(-1).build())
        .isInstanceOf(InvalidArgumentException.class);
  }
}
