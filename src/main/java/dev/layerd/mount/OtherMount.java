package dev.layerd.mount;

import java.util.List;
import java.util.Objects;

/** A mount of a type layerd does not interpret; kept verbatim. */
public record OtherMount(String type, String source, List<String> options) implements Mount {
  public OtherMount {
    Objects.requireNonNull(type, "type");
    source = source == null ? "" : source;
    options = List.copyOf(options);
  }
}
