package dev.layerd.config;

import java.util.List;
import java.util.Objects;

/**
 * A configuration feature that still works but will go away, as {@code layerd deprecations} lists
 * it: a stable id to search for, and what to do instead.
 */
public record Deprecation(String id, String message) {
  /** The config names the walking differ explicitly. */
  public static final Deprecation WALKING_DIFFER =
      new Deprecation(
          "dev.layerd.deprecation/walking-differ",
          "the walking differ is named explicitly in plugins.\"io.containerd.service.v1"
              + ".diff-service\".default; it cannot apply layers in parallel and will leave the"
              + " default order; list \"overlay\" first or drop the default key");

  public Deprecation {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(message, "message");
  }

  /** Every deprecation layerd knows of. */
  public static List<Deprecation> known() {
    return List.of(WALKING_DIFFER);
  }
}
