package dev.layerd.unpack;

import dev.layerd.oci.ChainIds;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.ImageConfig;
import dev.layerd.oci.Json;
import dev.layerd.oci.Manifest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.testing.FakeContentStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An image of made-up layers stored in a fake content store: blobs, config and manifest. */
record TestImage(
    Descriptor manifest,
    Descriptor config,
    List<Descriptor> layers,
    List<Digest> diffIds,
    List<Digest> chainIds,
    Map<Digest, Digest> diffIdByLayer) {

  static TestImage create(FakeContentStore store, String seed, int n) {
    return create(store, seed, n, Map.of());
  }

  /** {@code lies} replaces the config's diffID of some layer indexes. */
  static TestImage create(FakeContentStore store, String seed, int n, Map<Integer, Digest> lies) {
    List<Descriptor> layers = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    List<Digest> configIds = new ArrayList<>();
    Map<Digest, Digest> byLayer = new HashMap<>();
    for (int i = 0; i < n; i++) {
      byte[] blob = (seed + " layer " + i).getBytes(StandardCharsets.UTF_8);
      Descriptor d = store.put(MediaTypes.OCI_LAYER_GZIP, blob);
      Digest diffId =
          Digest.sha256(("uncompressed " + seed + " " + i).getBytes(StandardCharsets.UTF_8));
      layers.add(d);
      diffIds.add(diffId);
      configIds.add(lies.getOrDefault(i, diffId));
      byLayer.put(d.digest(), diffId);
    }
    ImageConfig cfg =
        new ImageConfig("amd64", "linux", null, new ImageConfig.RootFs("layers", configIds));
    Descriptor config = store.put(MediaTypes.OCI_CONFIG, Json.write(cfg));
    Manifest m = new Manifest(2, MediaTypes.OCI_MANIFEST, config, layers, Map.of());
    Descriptor manifest = store.put(MediaTypes.OCI_MANIFEST, Json.write(m));
    return new TestImage(manifest, config, layers, diffIds, ChainIds.of(configIds), byLayer);
  }

  String chain(int i) {
    return chainIds.get(i).toString();
  }
}
