package dev.layerd.mount;

import dev.layerd.errdefs.InvalidArgumentException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An overlayfs mount. {@code lowerDirs} are top first, as in {@code lowerdir=A:B:C}. Without an
 * upper and work directory the mount is read-only.
 */
public record OverlayMount(
    List<Path> lowerDirs, Path upperDir, Path workDir, List<String> extraOptions)
    implements Mount {

  public OverlayMount {
    lowerDirs = List.copyOf(lowerDirs);
    extraOptions = List.copyOf(extraOptions);
    if (lowerDirs.isEmpty()) {
      throw new InvalidArgumentException("overlay mount needs at least one lowerdir");
    }
    if ((upperDir == null) != (workDir == null)) {
      throw new InvalidArgumentException(
          "overlay mount needs both upperdir and workdir, or neither");
    }
  }

  public boolean readOnly() {
    return upperDir == null;
  }

  /** True when mounted with {@code userxattr} (overlay xattrs in the user. namespace). */
  public boolean userXattr() {
    return extraOptions.contains("userxattr");
  }

  static OverlayMount parse(List<String> options) {
    List<Path> lowers = new ArrayList<>();
    Path upper = null;
    Path work = null;
    List<String> extra = new ArrayList<>();
    for (String[] kv : Mount.split(options)) {
      switch (kv[0]) {
        case "lowerdir" -> {
          for (String l : Objects.requireNonNullElse(kv[1], "").split(":")) {
            lowers.add(Mount.path(l, "lowerdir"));
          }
        }
        case "upperdir" -> upper = Mount.path(kv[1], "upperdir");
        case "workdir" -> work = Mount.path(kv[1], "workdir");
        default -> extra.add(kv[1] == null ? kv[0] : kv[0] + "=" + kv[1]);
      }
    }
    return new OverlayMount(lowers, upper, work, extra);
  }

  @Override
  public String type() {
    return "overlay";
  }

  @Override
  public String source() {
    return "overlay";
  }

  @Override
  public List<String> options() {
    List<String> o = new ArrayList<>();
    if (upperDir != null) {
      o.add("workdir=" + workDir);
      o.add("upperdir=" + upperDir);
    }
    StringBuilder lower = new StringBuilder("lowerdir=");
    for (int i = 0; i < lowerDirs.size(); i++) {
      lower.append(i == 0 ? "" : ":").append(lowerDirs.get(i));
    }
    o.add(lower.toString());
    o.addAll(extraOptions);
    return List.copyOf(o);
  }
}
