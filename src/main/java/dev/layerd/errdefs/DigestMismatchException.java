package dev.layerd.errdefs;

import java.util.Objects;

/**
 * Content did not hash to the digest it was supposed to have. Carries both values and where the
 * content came from, so the operator can tell a corrupt blob from a lying manifest.
 */
public class DigestMismatchException extends LayerdException {
  private final String expected;
  private final String actual;
  private final String source;

  public DigestMismatchException(String expected, String actual, String source) {
    this(expected, actual, source, null);
  }

  /** The same, chaining {@code cause} (for example the mismatch seen deeper, named otherwise). */
  public DigestMismatchException(String expected, String actual, String source, Throwable cause) {
    super(
        ErrorKind.DATA_LOSS,
        "digest mismatch for " + source + ": expected " + expected + ", got " + actual,
        cause);
    this.expected = Objects.requireNonNull(expected);
    this.actual = Objects.requireNonNull(actual);
    this.source = Objects.requireNonNull(source);
  }

  public String expected() {
    return expected;
  }

  public String actual() {
    return actual;
  }

  public String source() {
    return source;
  }
}
