package dev.layerd.api;

import dev.layerd.oci.Digest;
import java.util.List;

/**
 * What {@link Layerd#prune} removed.
 *
 * @param blobs content no image reaches
 * @param snapshots committed snapshots (as {@code snapshotter/name}) no image config's {@code
 *     containerd.io/gc.ref.snapshot.*} label reaches, directly or as a parent, and no active
 *     snapshot or view sits on
 * @param bytes bytes of content freed
 */
public record PruneResult(List<Digest> blobs, List<String> snapshots, long bytes) {
  public PruneResult {
    blobs = List.copyOf(blobs);
    snapshots = List.copyOf(snapshots);
  }
}
