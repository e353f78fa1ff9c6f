package dev.layerd.linux;

import java.nio.file.FileSystemException;

/**
 * A failed system call: the call's name, the path it was given, and errno with its text. A
 * {@link FileSystemException}, so callers that only care about I/O can treat it as one.
 */
public final class ErrnoException extends FileSystemException {
  private final int errno;
  private final String call;

  public ErrnoException(String call, String path, int errno) {
    super(path, null, call + ": " + Native.strerror(errno) + " (errno " + errno + ")");
    this.errno = errno;
    this.call = call;
  }

  public int errno() {
    return errno;
  }

  public String call() {
    return call;
  }
}
