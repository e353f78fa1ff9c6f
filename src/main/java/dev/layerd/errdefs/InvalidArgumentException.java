package dev.layerd.errdefs;

/** Thrown when the caller's input is malformed or hostile (including a bad tar entry). */
public class InvalidArgumentException extends LayerdException {
  public InvalidArgumentException(String message) {
    super(ErrorKind.INVALID_ARGUMENT, message);
  }

  public InvalidArgumentException(String message, Throwable cause) {
    super(ErrorKind.INVALID_ARGUMENT, message, cause);
  }
}
