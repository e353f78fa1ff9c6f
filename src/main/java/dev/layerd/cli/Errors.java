package dev.layerd.cli;

import dev.layerd.errdefs.LayerdException;
import java.nio.file.FileSystemException;

/** Turns a failure into the one line the command prints. */
final class Errors {
  private Errors() {}

  static String describe(Throwable e) {
    StringBuilder b = new StringBuilder(message(e));
    // A cause whose text the message does not already carry is worth a second clause.
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      String m = message(c);
      if (!b.toString().contains(m)) {
        b.append(": ").append(m);
      }
    }
    return b.toString();
  }

  private static String message(Throwable e) {
    if (e instanceof FileSystemException f && f.getMessage() != null) {
      return f.getMessage();
    }
    if (e instanceof LayerdException && e.getMessage() != null) {
      return e.getMessage();
    }
    String m = e.getMessage();
    return m == null || m.isEmpty() ? e.getClass().getSimpleName() : m;
  }
}
