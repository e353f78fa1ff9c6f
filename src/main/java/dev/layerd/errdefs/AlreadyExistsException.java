package dev.layerd.errdefs;

/** Thrown when an object with that name or key already exists. */
public class AlreadyExistsException extends LayerdException {
  public AlreadyExistsException(String message) {
    super(ErrorKind.ALREADY_EXISTS, message);
  }

  public AlreadyExistsException(String message, Throwable cause) {
    super(ErrorKind.ALREADY_EXISTS, message, cause);
  }
}
