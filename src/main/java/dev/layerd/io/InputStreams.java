package dev.layerd.io;

import java.io.IOException;
import java.io.InputStream;

/**
 * The two methods every layerd stream wrapper implements the same way, because the bytes must
 * pass through its own {@code read(byte[], int, int)} to be hashed, counted or checked.
 */
public final class InputStreams {
  private InputStreams() {}

  /** One byte through {@code in.read(byte[], int, int)}, or -1 at the end. */
  public static int readOne(InputStream in) throws IOException {
    byte[] one = new byte[1];
    int n;
    do {
      n = in.read(one, 0, 1);
    } while (n == 0);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  /** Skips by reading through {@code in.read(byte[], int, int)}; returns how many were skipped. */
  public static long skipByReading(InputStream in, long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    byte[] buf = new byte[(int) Math.min(n, 64 * 1024)];
    long done = 0;
    while (done < n) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }
}
