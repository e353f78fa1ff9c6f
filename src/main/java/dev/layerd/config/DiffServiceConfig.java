package dev.layerd.config;

import dev.layerd.errdefs.InvalidArgumentException;
import java.util.HashSet;
import java.util.List;

/**
 * {@code [plugins."io.containerd.service.v1.diff-service"]}.
 *
 * @param defaultOrder key {@code default}: differ names tried in order, the next one only when
 *     the previous answers "not implemented". Default {@code ["walking", "overlay"]}
 * @param syncFs key {@code sync_fs}: syncfs(2) the target after each applied layer. Default false
 */
public record DiffServiceConfig(List<String> defaultOrder, boolean syncFs) {
  public static final List<String> DEFAULT_ORDER = List.of("walking", "overlay");

  public DiffServiceConfig {
    defaultOrder = List.copyOf(defaultOrder);
    if (defaultOrder.isEmpty()) {
      throw new InvalidArgumentException("the diff service needs at least one differ");
    }
    if (defaultOrder.stream().anyMatch(String::isBlank)) {
      throw new InvalidArgumentException("differ names must not be empty: " + defaultOrder);
    }
    if (new HashSet<>(defaultOrder).size() != defaultOrder.size()) {
      throw new InvalidArgumentException("a differ is named twice: " + defaultOrder);
    }
  }

  public static DiffServiceConfig defaults() {
    return new DiffServiceConfig(DEFAULT_ORDER, false);
  }
}
