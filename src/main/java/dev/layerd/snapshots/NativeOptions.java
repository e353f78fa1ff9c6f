package dev.layerd.snapshots;

/**
 * Settings of the native (copying) snapshotter.
 *
 * @param syncRemove remove a snapshot's directory before {@link Snapshotter#remove} returns;
 *     otherwise it is renamed aside and deleted in the background (default false)
 */
public record NativeOptions(boolean syncRemove) {
  public static NativeOptions defaults() {
    return new NativeOptions(false);
  }
}
