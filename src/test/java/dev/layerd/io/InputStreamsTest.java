package dev.layerd.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class InputStreamsTest {

  /** Counts what passes through its read(byte[], int, int), as layerd's wrappers do. */
  private static final class Counting extends FilterInputStream {
    long seen;

    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        seen += n;
      }
      return n;
    }
  }

  @Test
  void skipByReadingPassesEveryByteThroughTheWrapper() throws IOException {
    Counting c = new Counting(new ByteArrayInputStream(new byte[200_000]));

    assertThat(InputStreams.skipByReading(c, 150_000)).isEqualTo(150_000);
    assertThat(c.seen).isEqualTo(150_000);
    assertThat(InputStreams.skipByReading(c, 100_000)).isEqualTo(50_000);
    assertThat(InputStreams.skipByReading(c, -5)).isZero();
    assertThat(c.seen).isEqualTo(200_000);
  }

  @Test
  void readOneReturnsUnsignedBytesThenEnd() throws IOException {
    Counting c = new Counting(new ByteArrayInputStream(new byte[] {(byte) 0xff, 7}));

    assertThat(InputStreams.readOne(c)).isEqualTo(255);
    assertThat(InputStreams.readOne(c)).isEqualTo(7);
    assertThat(InputStreams.readOne(c)).isEqualTo(-1);
    assertThat(c.seen).isEqualTo(2);
  }
}
