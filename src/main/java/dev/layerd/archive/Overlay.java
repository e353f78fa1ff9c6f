package dev.layerd.archive;

import dev.layerd.linux.ErrnoException;
import dev.layerd.linux.Xattrs;
import java.util.Optional;

/** overlayfs naming rules for xattrs: which names are the overlay's own, and their escaping. */
public final class Overlay {
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

  /**
   * True when the directory at {@code path} (not followed if a symlink) is an opaque overlay
   * directory, marked in either the trusted or the user namespace.
   */
  public static boolean isOpaque(String path) throws ErrnoException {
    for (String prefix : new String[] {TRUSTED, USER}) {
      Optional<byte[]> v = Xattrs.lget(path, prefix + "opaque");
      if (v.isPresent() && v.get().length == 1 && v.get()[0] == 'y') {
        return true;
      }
    }
    return false;
  }
}
