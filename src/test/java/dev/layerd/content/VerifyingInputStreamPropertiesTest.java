package dev.layerd.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class VerifyingInputStreamPropertiesTest {

  @Property(tries = 200)
  void anyChunkingOfIntactContentVerifies(
      @ForAll @Size(max = 5000) byte[] data, @ForAll @IntRange(min = 1, max = 700) int chunk)
      throws IOException {
    var in = new VerifyingInputStream(new ByteArrayInputStream(data), Digest.sha256(data),
        data.length, "prop");

    byte[] out = readInChunks(in, chunk);

    assertThat(out).isEqualTo(data);
    assertThat(in.verified()).isTrue();
  }

  @Property(tries = 200)
  void anyFlippedBitIsCaught(
      @ForAll @Size(min = 1, max = 5000) byte[] data, @ForAll @IntRange(min = 0) int where,
      @ForAll @IntRange(min = 0, max = 7) int bit) {
    byte[] bad = data.clone();
    bad[where % bad.length] ^= (byte) (1 << bit);
    var in = new VerifyingInputStream(new ByteArrayInputStream(bad), Digest.sha256(data),
        data.length, "prop");

    assertThatThrownBy(() -> readInChunks(in, 333)).isInstanceOf(DigestMismatchException.class);
    assertThat(in.verified()).isFalse();
  }

  private static byte[] readInChunks(InputStream in, int chunk) throws IOException {
    var out = new java.io.ByteArrayOutputStream();
    byte[] buf = new byte[chunk];
    int n;
    while ((n = in.read(buf, 0, chunk)) >= 0) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }
}
