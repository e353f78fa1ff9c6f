package dev.layerd.diff;

import java.time.Instant;
import java.util.Map;

/**
 * How to compute a diff.
 *
 * @param mediaType media type of the produced layer (plain tar when empty)
 * @param ref ingest reference for the written blob, may be empty
 * @param labels labels put on the written blob
 * @param sourceDateEpoch when set, clamps the times written into the layer
 */
public record DiffOptions(
    String mediaType, String ref, Map<String, String> labels, Instant sourceDateEpoch) {
  public DiffOptions {
    mediaType = mediaType == null ? "" : mediaType;
    ref = ref == null ? "" : ref;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  public static DiffOptions defaults() {
    return new DiffOptions("", "", Map.of(), null);
  }
}
