package dev.layerd.unpack;

import dev.layerd.content.ContentLabels;

/** The label keys the unpacker writes, spelled as containerd spells them. */
public final class UnpackLabels {
  /** On an extraction snapshot: the chain ID it will be committed as. */
  public static final String SNAPSHOT_REF = "containerd.io/snapshot.ref";

  /** On an extraction snapshot: the diffID of the layer applied into it. */
  public static final String DIFF_ID = "containerd.io/snapshot/diff-id";

  /** On an extraction snapshot: the chain ID it is committed on top of. */
  public static final String PARENT_CHAIN_ID = "containerd.io/snapshot/parent-chain-id";

  /** On a compressed layer blob, after a verified unpack: its diffID. */
  public static final String UNCOMPRESSED = ContentLabels.UNCOMPRESSED;

  /** Prefix of the label on an image config naming the top snapshot, per snapshotter. */
  public static final String GC_REF_SNAPSHOT_PREFIX = ContentLabels.GC_REF_SNAPSHOT_PREFIX;

  private UnpackLabels() {}

  /** {@code containerd.io/gc.ref.snapshot.<snapshotter>}. */
  public static String gcRefSnapshot(String snapshotter) {
    return ContentLabels.gcRefSnapshot(snapshotter);
  }
}
