package dev.layerd.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.layerd.errdefs.NotFoundException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReadAheadInputStreamTest {
  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  /** Hands out {@code data}, then throws {@code failure} (or ends when null). */
  private static InputStream failingAfter(byte[] data, Exception failure) {
    ByteArrayInputStream in = new ByteArrayInputStream(data);
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n < 0 && failure instanceof IOException x) {
          throw x;
        }
        if (n < 0 && failure instanceof RuntimeException x) {
          throw x;
        }
        return n;
      }
    };
  }

  @Test
  void passesEveryByteInOrder() throws Exception {
    byte[] data = random(5 * (1 << 20) + 12345);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try (ReadAheadInputStream in = new ReadAheadInputStream(new ByteArrayInputStream(data), "t")) {
      byte[] buf = new byte[7000];
      for (int n; (n = in.read(buf, 0, buf.length)) >= 0; ) {
        got.write(buf, 0, n);
      }
      assertThat(in.read()).isEqualTo(-1);
    }
    assertThat(got.toByteArray()).isEqualTo(data);
  }

  @Test
  void deliversTheBytesBeforeAFailureThenTheSameFailure() throws Exception {
    byte[] data = random(1_500_000);
    IOException io = new IOException("reset");
    try (ReadAheadInputStream in = new ReadAheadInputStream(failingAfter(data, io), "t")) {
      assertThat(in.readNBytes(data.length)).isEqualTo(data);
      assertThat(catchThrowable(in::read)).isSameAs(io);
      assertThat(catchThrowable(in::read)).isSameAs(io);
    }
    NotFoundException gone = new NotFoundException("blob gone");
    try (ReadAheadInputStream in = new ReadAheadInputStream(failingAfter(data, gone), "t")) {
      assertThat(catchThrowable(in::readAllBytes)).isSameAs(gone);
    }
  }

  @Test
  void closeStopsTheReaderThreadEarly() throws Exception {
    int[] reads = new int[1];
    InputStream endless =
        new InputStream() {
          @Override
          public int read() {
            return 0;
          }

          @Override
          public int read(byte[] b, int off, int len) {
            reads[0]++;
            return len;
          }
        };
    ReadAheadInputStream in = new ReadAheadInputStream(endless, "t");
    assertThat(in.read()).isZero();

    in.close(); // returns: the thread stopped although the source never ends

    int after = reads[0];
    Thread.sleep(200);
    assertThat(reads[0]).isEqualTo(after);
  }
}
