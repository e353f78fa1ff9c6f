package dev.layerd.config;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A config as loaded: the effective values, what was ignored ({@code warnings}), deprecated
 * features in use, and the file's version when it was migrated (empty when the file was already
 * current or newer).
 */
public record LoadedConfig(
    Config config,
    List<ConfigWarning> warnings,
    List<Deprecation> deprecations,
    OptionalInt migratedFrom) {
  public LoadedConfig {
    Objects.requireNonNull(config, "config");
    warnings = List.copyOf(warnings);
    deprecations = List.copyOf(deprecations);
    Objects.requireNonNull(migratedFrom, "migratedFrom");
  }
}
