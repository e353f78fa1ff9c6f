package dev.layerd.mount;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A mount as containerd describes one: a type, a source and options. The kinds layerd understands
 * are their own records; anything else travels as {@link OtherMount} so that a differ can answer
 * "not implemented" for it instead of guessing.
 */
public sealed interface Mount permits BindMount, OverlayMount, OtherMount {

  String type();

  String source();

  /** Options in mount(8) spelling, as they travel over gRPC. */
  List<String> options();

  /** Builds the record for a generic {@code (type, source, options)} triple. */
  static Mount of(String type, String source, List<String> options) {
    return switch (type) {
      case "bind", "rbind" -> BindMount.parse(source, options);
      case "overlay" -> OverlayMount.parse(options);
      default -> new OtherMount(type, source, options);
    };
  }

  /** Splits {@code opts} into {@code key=value} pairs and plain flags; used by the parsers. */
  static List<String[]> split(List<String> opts) {
    List<String[]> out = new ArrayList<>();
    for (String o : opts) {
      int eq = o.indexOf('=');
      out.add(
          eq < 0 ? new String[] {o, null} : new String[] {o.substring(0, eq), o.substring(eq + 1)});
    }
    return out;
  }

  /** A path made from mount text, refusing empty names. */
  static Path path(String s, String what) {
    if (s == null || s.isEmpty()) {
      throw new dev.layerd.errdefs.InvalidArgumentException("mount " + what + " is empty");
    }
    return Path.of(s);
  }
}
