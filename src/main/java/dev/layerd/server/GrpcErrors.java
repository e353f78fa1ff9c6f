package dev.layerd.server;

import dev.layerd.errdefs.AlreadyExistsException;
import dev.layerd.errdefs.ErrorKind;
import dev.layerd.errdefs.FailedPreconditionException;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.LayerdException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.linux.ErrnoException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.EOFException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CancellationException;
import java.util.zip.ZipException;

/**
 * The one place where layerd's error kinds meet gRPC status codes, in both directions: failures
 * of layerd's own work become a {@link Status} at the server's edge, and status codes answered by
 * containerd's services become {@link LayerdException}s of the matching kind.
 */
final class GrpcErrors {
  // Linux errno values worth a specific code when no error kind says better.
  private static final int EPERM = 1;
  private static final int ENOENT = 2;
  private static final int EACCES = 13;
  private static final int EEXIST = 17;
  private static final int EINVAL = 22;
  private static final int ENOSPC = 28;
  private static final int EROFS = 30;
  private static final int EDQUOT = 122;

  private GrpcErrors() {}

  /** The gRPC code for an error kind, after containerd's errdefs. */
  static Status.Code code(ErrorKind kind) {
    return switch (kind) {
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
      case NOT_IMPLEMENTED -> Status.Code.UNIMPLEMENTED;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case ABORTED -> Status.Code.ABORTED;
      case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
      case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
      case DATA_LOSS -> Status.Code.DATA_LOSS;
      case CANCELED -> Status.Code.CANCELLED;
      case DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
      case UNKNOWN -> Status.Code.UNKNOWN;
    };
  }

  /** The error kind for a gRPC code; the inverse of {@link #code(ErrorKind)}. */
  static ErrorKind kind(Status.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> ErrorKind.INVALID_ARGUMENT;
      case NOT_FOUND -> ErrorKind.NOT_FOUND;
      case ALREADY_EXISTS -> ErrorKind.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> ErrorKind.FAILED_PRECONDITION;
      case UNIMPLEMENTED -> ErrorKind.NOT_IMPLEMENTED;
      case UNAVAILABLE -> ErrorKind.UNAVAILABLE;
      case ABORTED -> ErrorKind.ABORTED;
      case PERMISSION_DENIED, UNAUTHENTICATED -> ErrorKind.PERMISSION_DENIED;
      case RESOURCE_EXHAUSTED -> ErrorKind.RESOURCE_EXHAUSTED;
      case DATA_LOSS -> ErrorKind.DATA_LOSS;
      case CANCELLED -> ErrorKind.CANCELED;
      case DEADLINE_EXCEEDED -> ErrorKind.DEADLINE_EXCEEDED;
      case OK, UNKNOWN, INTERNAL -> ErrorKind.UNKNOWN;
    };
  }

  /**
   * Longest status message sent. The message travels in a trailer, and clients refuse trailers
   * past a few KiB (grpc-java: 8 KiB) with INTERNAL instead of the real code.
   */
  static final int MAX_MESSAGE = 2048;

  /**
   * The status to answer for {@code t}: the kind of the nearest {@link LayerdException} in its
   * cause chain, else a code guessed from well-known I/O failures, else UNKNOWN. The message is
   * the failure's own message, shortened past {@link #MAX_MESSAGE} characters.
   */
  static Status toStatus(Throwable t) {
    Status.Code code = codeOf(t);
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (message.length() > MAX_MESSAGE) {
      message = message.substring(0, MAX_MESSAGE) + "... ("
          + (message.length() - MAX_MESSAGE) + " more characters in layerd's log)";
    }
    return Status.fromCode(code).withDescription(message).withCause(t);
  }

  private static Status.Code codeOf(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      switch (c) {
        case LayerdException e -> {
          return code(e.kind());
        }
        case StatusRuntimeException e -> {
          return e.getStatus().getCode();
        }
        case StatusException e -> {
          return e.getStatus().getCode();
        }
        default -> {}
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      Status.Code code = ioCode(c);
      if (code != null) {
        return code;
      }
    }
    return Status.Code.UNKNOWN;
  }

  private static Status.Code ioCode(Throwable c) {
    return switch (c) {
      case ErrnoException e -> errnoCode(e.errno());
      case NoSuchFileException e -> Status.Code.NOT_FOUND;
      case FileAlreadyExistsException e -> Status.Code.ALREADY_EXISTS;
      case AccessDeniedException e -> Status.Code.PERMISSION_DENIED;
      // A truncated or undecodable stream whose digest matched: the layer itself is malformed.
      case EOFException e -> Status.Code.INVALID_ARGUMENT;
      case ZipException e -> Status.Code.INVALID_ARGUMENT;
      case InterruptedException e -> Status.Code.CANCELLED;
      case CancellationException e -> Status.Code.CANCELLED;
      default -> null;
    };
  }

  private static Status.Code errnoCode(int errno) {
    return switch (errno) {
      case EPERM, EACCES, EROFS -> Status.Code.PERMISSION_DENIED;
      case ENOENT -> Status.Code.NOT_FOUND;
      case EEXIST -> Status.Code.ALREADY_EXISTS;
      case EINVAL -> Status.Code.INVALID_ARGUMENT;
      case ENOSPC, EDQUOT -> Status.Code.RESOURCE_EXHAUSTED;
      default -> null;
    };
  }

  /**
   * The layerd failure for a status answered by a remote service while doing {@code what} (for
   * example "read sha256:... from containerd"): the matching kind, the remote's message kept, the
   * gRPC exception chained.
   */
  static LayerdException fromStatus(Throwable t, String what) {
    Status status = Status.fromThrowable(t);
    String message =
        what + ": " + status.getCode() + ": "
            + (status.getDescription() == null ? "no message" : status.getDescription());
    return switch (kind(status.getCode())) {
      case NOT_FOUND -> new NotFoundException(message, t);
      case ALREADY_EXISTS -> new AlreadyExistsException(message, t);
      case INVALID_ARGUMENT -> new InvalidArgumentException(message, t);
      case FAILED_PRECONDITION -> new FailedPreconditionException(message, t);
      case NOT_IMPLEMENTED -> new NotImplementedException(message, t);
      case ErrorKind k -> new LayerdException(k, message, t);
    };
  }
}
