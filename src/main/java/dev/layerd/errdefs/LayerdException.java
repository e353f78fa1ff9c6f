package dev.layerd.errdefs;

import java.util.Objects;

/**
 * A failure of a known {@link ErrorKind}. Subclasses exist for the kinds that callers catch by
 * type; the message always names what was being worked on (digest, key, path, media type).
 */
public class LayerdException extends RuntimeException {
  private final ErrorKind kind;

  public LayerdException(ErrorKind kind, String message) {
    this(kind, message, null);
  }

  public LayerdException(ErrorKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public ErrorKind kind() {
    return kind;
  }

  /**
   * The kind of {@code t}: its own when it is a {@code LayerdException}, else that of the nearest
   * {@code LayerdException} in its cause chain, else {@link ErrorKind#UNKNOWN}.
   */
  public static ErrorKind kindOf(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof LayerdException e) {
        return e.kind();
      }
    }
    return ErrorKind.UNKNOWN;
  }
}
