package dev.layerd.snapshots;

/**
 * Settings of the overlay snapshotter.
 *
 * @param userxattr mount with {@code userxattr}, for rootless use in a user namespace (overlay
 *     xattrs then live in {@code user.overlay.*}); default false
 * @param syncRemove remove a snapshot's directory before {@link Snapshotter#remove} returns;
 *     otherwise it is renamed aside and deleted in the background (default false)
 */
public record OverlayOptions(boolean userxattr, boolean syncRemove) {
  public static OverlayOptions defaults() {
    return new OverlayOptions(false, false);
  }

  public OverlayOptions withUserxattr(boolean on) {
    return new OverlayOptions(on, syncRemove);
  }

  public OverlayOptions withSyncRemove(boolean on) {
    return new OverlayOptions(userxattr, on);
  }
}
