package dev.layerd.errdefs;

/**
 * The kinds of failure callers branch on, after containerd's errdefs. The gRPC edge maps each kind
 * to one status code; nothing else in the code base needs to know about gRPC.
 */
public enum ErrorKind {
  INVALID_ARGUMENT,
  NOT_FOUND,
  ALREADY_EXISTS,
  FAILED_PRECONDITION,
  NOT_IMPLEMENTED,
  UNAVAILABLE,
  ABORTED,
  PERMISSION_DENIED,
  RESOURCE_EXHAUSTED,
  DATA_LOSS,
  CANCELED,
  DEADLINE_EXCEEDED,
  UNKNOWN
}
