package dev.layerd.linux;

/**
 * An open file descriptor and the path it was opened by (for error messages). Closing is
 * idempotent; a handle is not thread-safe.
 */
public final class Fd implements AutoCloseable {
  private int fd;
  private final String path;

  private Fd(int fd, String path) {
    this.fd = fd;
    this.path = path;
  }

  /** Takes ownership of {@code fd}; {@code path} names it in errors. */
  public static Fd of(int fd, String path) {
    if (fd < 0) {
      throw new IllegalArgumentException("negative file descriptor " + fd + " for " + path);
    }
    return new Fd(fd, path);
  }

  /** The descriptor number; -1 once closed. */
  public int fd() {
    return fd;
  }

  public String path() {
    return path;
  }

  /** Gives up ownership without closing: the caller now closes the number returned. */
  public int release() {
    int f = fd;
    fd = -1;
    return f;
  }

  /**
   * Reads this descriptor from its current offset. Closing the stream leaves the descriptor
   * open; the stream fails once the descriptor is closed.
   */
  public java.io.InputStream inputStream() {
    return new java.io.InputStream() {
      @Override
      public int read() throws java.io.IOException {
        return dev.layerd.io.InputStreams.readOne(this);
      }

      @Override
      public int read(byte[] b, int off, int len) throws java.io.IOException {
        if (len == 0) {
          return 0;
        }
        if (fd < 0) {
          throw new java.io.IOException("read of " + path + " after its descriptor was closed");
        }
        int n = FileCalls.read(fd, b, off, len, path);
        return n == 0 ? -1 : n;
      }
    };
  }

  @Override
  public void close() throws ErrnoException {
    if (fd >= 0) {
      int f = fd;
      fd = -1;
      FileCalls.close(f, path);
    }
  }

  @Override
  public String toString() {
    return "fd " + fd + " (" + path + ")";
  }
}
