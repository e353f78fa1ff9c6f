package dev.layerd.unpack;

import dev.layerd.diff.Applier;
import dev.layerd.diff.ApplyOptions;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.mount.Mount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An applier that writes nothing and answers with the diffID it was told, unless a behaviour for
 * the layer says otherwise. Records every call.
 */
final class FakeApplier implements Applier {
  /** What to do for one call. */
  @FunctionalInterface
  interface Behaviour {
    Descriptor apply(Call call) throws IOException;
  }

  record Call(Descriptor layer, List<Mount> mounts, boolean parallel) {}

  private final String name;
  private final Map<Digest, Digest> diffIds;
  private final Map<Digest, Behaviour> behaviours = new ConcurrentHashMap<>();
  private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

  FakeApplier(String name, Map<Digest, Digest> diffIds) {
    this.name = name;
    this.diffIds = diffIds;
  }

  FakeApplier on(Digest layer, Behaviour b) {
    behaviours.put(layer, b);
    return this;
  }

  List<Call> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  /** The normal answer: the layer's real diffID. */
  Descriptor answer(Descriptor layer) {
    Digest d = diffIds.get(layer.digest());
    if (d == null) {
      throw new NotFoundException("no diffID known for " + layer.digest());
    }
    return new Descriptor(MediaTypes.OCI_LAYER, d, layer.size() * 2);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Descriptor apply(Descriptor layer, List<Mount> mounts, ApplyOptions options)
      throws IOException {
    Call c = new Call(layer, mounts, options.parallel());
    calls.add(c);
    options.progress().accept(0);
    Behaviour b = behaviours.get(layer.digest());
    Descriptor out = b == null ? answer(layer) : b.apply(c);
    options.progress().accept(layer.size());
    return out;
  }
}
