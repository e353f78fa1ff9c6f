package dev.layerd.oci;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Chain IDs name a stack of layers: each is the hash of its parent's chain ID and its diffID. */
public final class ChainIds {
  private ChainIds() {}

  /** The chain ID of every prefix of {@code diffIds}, bottom first. */
  public static List<Digest> of(List<Digest> diffIds) {
    List<Digest> out = new ArrayList<>(diffIds.size());
    Digest prev = null;
    for (Digest d : diffIds) {
      prev = prev == null ? d : next(prev, d);
      out.add(prev);
    }
    return List.copyOf(out);
  }

  /** The chain ID of {@code diffId} applied on top of the chain {@code parent}. */
  public static Digest next(Digest parent, Digest diffId) {
    String text = parent + " " + diffId;
    return Digest.sha256(text.getBytes(StandardCharsets.US_ASCII));
  }
}
