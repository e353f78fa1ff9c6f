package dev.layerd.archive;

/** What an applied layer's whiteouts do to the tree under the root. */
public enum WhiteoutMode {
  /**
   * The root holds the merged tree (walking differ): {@code .wh.NAME} deletes NAME, an opaque
   * marker deletes everything in the directory this layer did not put there.
   */
  DELETE,
  /**
   * The root is one overlay layer (overlay differ): {@code .wh.NAME} becomes a 0/0 character
   * device, an opaque marker sets the overlay opaque xattr. Nothing below is needed or touched.
   */
  OVERLAY
}
