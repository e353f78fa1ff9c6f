package dev.layerd.errdefs;

/** Thrown when the named object (blob, image, snapshot key) does not exist. */
public class NotFoundException extends LayerdException {
  public NotFoundException(String message) {
    super(ErrorKind.NOT_FOUND, message);
  }

  public NotFoundException(String message, Throwable cause) {
    super(ErrorKind.NOT_FOUND, message, cause);
  }
}
