package dev.layerd.config;

import java.util.Objects;

/**
 * Something in a config file that was ignored or read with a caveat (an unknown key, a newer
 * version), with the dotted key path it concerns ({@code plugins."io.containerd...".key}).
 */
public record ConfigWarning(String key, String message) {
  public ConfigWarning {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return key + ": " + message;
  }
}
