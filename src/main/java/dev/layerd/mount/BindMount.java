package dev.layerd.mount;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A bind mount of a directory, read-write or read-only. */
public record BindMount(Path sourceDir, boolean readOnly, List<String> extraOptions)
    implements Mount {

  public BindMount {
    Objects.requireNonNull(sourceDir, "source");
    extraOptions = List.copyOf(extraOptions);
  }

  public BindMount(Path sourceDir, boolean readOnly) {
    this(sourceDir, readOnly, List.of());
  }

  static BindMount parse(String source, List<String> options) {
    boolean ro = false;
    List<String> extra = new ArrayList<>();
    for (String o : options) {
      switch (o) {
        case "ro" -> ro = true;
        case "rw", "rbind", "bind" -> {}
        default -> extra.add(o);
      }
    }
    return new BindMount(Mount.path(source, "source"), ro, extra);
  }

  @Override
  public String type() {
    return "bind";
  }

  @Override
  public String source() {
    return sourceDir.toString();
  }

  @Override
  public List<String> options() {
    List<String> o = new ArrayList<>();
    o.add(readOnly ? "ro" : "rw");
    o.add("rbind");
    o.addAll(extraOptions);
    return List.copyOf(o);
  }
}
