package dev.layerd.mount;

import dev.layerd.errdefs.ErrorKind;
import dev.layerd.errdefs.LayerdException;
import java.nio.file.Path;

/**
 * An overlay mount whose option string exceeds the page mount(2) accepts, on a kernel without
 * overlayfs {@code lowerdir+} (Linux 6.8+) to pass the layers one by one.
 */
public final class OptionsTooLongException extends LayerdException {
  private final Path target;
  private final int length;
  private final int layers;

  public OptionsTooLongException(Path target, int length, int layers, Throwable cause) {
    super(
        ErrorKind.RESOURCE_EXHAUSTED,
        "overlay mount on " + target + ": options are " + length + " bytes for " + layers
            + " lower layers, over the " + Mounter.MAX_MOUNT_DATA
            + "-byte limit of mount(2), and this kernel does not accept lowerdir+ (needs Linux"
            + " 6.8); use a shorter root directory or fewer layers",
        cause);
    this.target = target;
    this.length = length;
    this.layers = layers;
  }

  public Path target() {
    return target;
  }

  public int length() {
    return length;
  }

  public int layers() {
    return layers;
  }
}
