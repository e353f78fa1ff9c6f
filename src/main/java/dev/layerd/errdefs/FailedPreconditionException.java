package dev.layerd.errdefs;

/**
 * Thrown when the object is in the wrong state for the operation (for example a snapshot with
 * children).
 */
public class FailedPreconditionException extends LayerdException {
  public FailedPreconditionException(String message) {
    super(ErrorKind.FAILED_PRECONDITION, message);
  }

  public FailedPreconditionException(String message, Throwable cause) {
    super(ErrorKind.FAILED_PRECONDITION, message, cause);
  }
}
