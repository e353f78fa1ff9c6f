package dev.layerd.errdefs;

/**
 * Thrown when this implementation does not handle the request; a chain of implementations moves
 * on to the next.
 */
public class NotImplementedException extends LayerdException {
  public NotImplementedException(String message) {
    super(ErrorKind.NOT_IMPLEMENTED, message);
  }

  public NotImplementedException(String message, Throwable cause) {
    super(ErrorKind.NOT_IMPLEMENTED, message, cause);
  }
}
