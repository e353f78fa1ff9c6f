package dev.layerd.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {
  private static final byte[] DATA = "hello, layers".getBytes(StandardCharsets.UTF_8);

  @Test
  void passesMatchingContentThrough() throws IOException {
    var in = new VerifyingInputStream(new ByteArrayInputStream(DATA), Digest.sha256(DATA),
        DATA.length, "test");

    assertThat(in.readAllBytes()).isEqualTo(DATA);
    assertThat(in.verified()).isTrue();
    assertThat(in.count()).isEqualTo(DATA.length);
  }

  @Test
  void failsAtEndNamingExpectedActualAndSource() {
    Digest wrong = Digest.sha256(new byte[] {1});
    var in = new VerifyingInputStream(new ByteArrayInputStream(DATA), wrong, -1, "layer x");

    assertThatThrownBy(in::readAllBytes)
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(wrong.toString());
              assertThat(e.actual()).isEqualTo(Digest.sha256(DATA).toString());
              assertThat(e.source()).isEqualTo("layer x");
            });
    assertThat(in.verified()).isFalse();
  }

  @Test
  void failsAsSoonAsStreamIsLongerThanExpected() throws IOException {
    var in = new VerifyingInputStream(new ByteArrayInputStream(DATA), Digest.sha256(DATA), 4,
        "short");

    assertThat(in.readNBytes(4)).hasSize(4);
    assertThatThrownBy(in::read).isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("more than 4 bytes");
  }

  @Test
  void verifyDrainsTheRest() throws IOException {
    var in = new VerifyingInputStream(new ByteArrayInputStream(DATA), Digest.sha256(DATA),
        DATA.length, "t");
    in.read();

    assertThat(in.verify()).isEqualTo(Digest.sha256(DATA));
    assertThat(in.verified()).isTrue();
  }

  @Test
  void skipStillHashesSkippedBytes() throws IOException {
    var in = new VerifyingInputStream(new ByteArrayInputStream(DATA), Digest.sha256(new byte[0]),
        DATA.length, "t");

    in.skip(5);

    assertThatThrownBy(in::verify).isInstanceOf(DigestMismatchException.class);
  }
}
