package dev.layerd.content;

import dev.layerd.oci.Digest;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/** What the store knows about one blob. */
public record ContentInfo(
    Digest digest, long size, Instant createdAt, Instant updatedAt, Map<String, String> labels) {
  public ContentInfo {
    Objects.requireNonNull(digest, "digest");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
