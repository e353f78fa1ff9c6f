package dev.layerd.archive;

/** overlayfs naming rules for xattrs: which names are the overlay's own, and their escaping. */
final class Overlay {
  static final String TRUSTED = "trusted.overlay.";
  static final String USER = "user.overlay.";

  private Overlay() {}

  /**
   * True for an xattr the overlay itself interprets (opaque, whiteout, redirect...), false for
   * other names and for escaped ones ({@code trusted.overlay.overlay.*}), which are data.
   */
  static boolean isPrivate(String name) {
    return (name.startsWith(TRUSTED) && !name.startsWith(TRUSTED + "overlay."))
        || (name.startsWith(USER) && !name.startsWith(USER + "overlay."));
  }

  /**
   * The name under which a layer's xattr is stored so that the overlay shows it as {@code name}
   * and never acts on it (Linux 6.7 escaping): one more {@code overlay.} after the prefix.
   */
  static String escape(String name) {
    if (name.startsWith(TRUSTED)) {
      return TRUSTED + "overlay." + name.substring(TRUSTED.length());
    }
    if (name.startsWith(USER)) {
      return USER + "overlay." + name.substring(USER.length());
    }
    return name;
  }
}
