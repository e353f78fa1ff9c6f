package dev.layerd.diff;

import java.util.Objects;

/** An opaque processor payload, as a protobuf {@code Any}: type URL and bytes. */
public record Payload(String typeUrl, byte[] value) {
  public Payload {
    Objects.requireNonNull(typeUrl, "typeUrl");
    value = value.clone();
  }

  @Override
  public byte[] value() {
    return value.clone();
  }
}
