package dev.layerd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerd.content.ContentInfo;
import dev.layerd.content.ContentStore;
import dev.layerd.diff.DiffService;
import dev.layerd.diff.DifferOptions;
import dev.layerd.mount.Mount;
import dev.layerd.mount.Mounter;
import dev.layerd.mount.TempMount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.testing.RequiresRoot;
import io.grpc.Context;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * containerd 1.7 using layerd as its differ through a {@code diff} proxy plugin: importing the
 * multi-layer sample image (whiteouts, an opaque directory, links, xattrs, special modes) must
 * unpack through layerd into the same tree containerd's own differ makes.
 */
@RequiresRoot
class ContainerdInteropTest {
  private static final int SAMPLE_LAYERS = 4;

  @TempDir Path dir;

  @AfterEach
  void unmountLeftovers() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
    List<Path> under = new ArrayList<>();
    for (String line : lines) {
      Path target = Path.of(line.split(" ")[4]);
      if (target.startsWith(dir.toRealPath())) {
        under.add(target);
      }
    }
    for (Path p : under.reversed()) {
      Mounter.unmount(p);
    }
    assertThat(under).as("mounts left behind").isEmpty();
  }

  @Test
  void containerdUnpacksThroughLayerdIntoTheTreeItsOwnDifferMakes() throws Exception {
    Containerd.binaries();
    Path image = sampleImage();
    Path layerdSocket = dir.resolve("layerd.sock");
    Path withLayerd = dir.resolve("c1");

    String layerdTree;
    Path containerdSocket = withLayerd.resolve("containerd.sock");
    // Wired as layerd serve wires it: the server reads through its own containerd client.
    try (DiffServer server = DiffServer.start(ServeOptions.builder()
                .socket(layerdSocket).containerdAddress(containerdSocket).build(),
            this::diffService, null);
        ContainerdContent content = ContainerdContent.connect(containerdSocket);
        Containerd containerd = Containerd.start(withLayerd, """

            [proxy_plugins.layerd]
              type = "diff"
              address = "%s"

            [plugins."io.containerd.service.v1.diff-service"]
              default = ["layerd"]
            """.formatted(layerdSocket))) {
      containerd.ctr("-n", "ns1", "images", "import", "--snapshotter", "overlayfs",
          image.toString());

      assertThat(server.appliedCount()).as("layers applied by layerd").isEqualTo(SAMPLE_LAYERS);
      // containerd 1.7 asks for no parallel apply, so walking, first in the order, takes them
      assertThat(server.scrapeMetrics())
          .contains("layerd_diff_apply_seconds_count{differ=\"walking\",outcome=\"ok\"} "
              + SAMPLE_LAYERS);
      layerdTree = tree(containerd, "ns1");
      writesBlobsBackIntoContainerd(content, containerd);
    }

    String containerdTree;
    try (Containerd containerd = Containerd.start(dir.resolve("c2"), "")) {
      containerd.ctr("-n", "ns1", "images", "import", "--snapshotter", "overlayfs",
          image.toString());
      containerdTree = tree(containerd, "ns1");
    }

    assertThat(layerdTree.lines().toList()).hasSizeGreaterThan(10)
        .containsExactlyElementsOf(containerdTree.lines().toList());
  }

  /** Content/Write as containerd takes it: WRITE chunks, COMMIT with digest; read back by ctr. */
  private static void writesBlobsBackIntoContainerd(ContainerdContent content,
      Containerd containerd) throws Exception {
    byte[] blob = new byte[(3 << 20) + 7];
    Arrays.fill(blob, (byte) 'x');
    blob[12345] = 'y';
    Descriptor desc = new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(blob), blob.length);

    // A gc root: containerd collects unreferenced content written outside a lease, and the import
    // above ended its lease, which sets off a collection that may come after this write.
    Map<String, String> root = Map.of("containerd.io/gc.root", java.time.Instant.now().toString());
    Map<String, String> labels = new java.util.HashMap<>(root);
    labels.put("layerd.test", "1");
    Context.current().withValue(ContainerdHeaders.NAMESPACE, "ns1").call(() ->
        content.ingest(desc, new ByteArrayInputStream(blob), labels));

    String info = containerd.ctr("-n", "ns1", "content", "ls");
    assertThat(info).contains(desc.digest().toString()).contains("layerd.test=1");
    String got = containerd.ctr("-n", "ns1", "content", "get", desc.digest().toString());
    assertThat(Digest.sha256(got.getBytes(StandardCharsets.ISO_8859_1))).isEqualTo(desc.digest());

    // A diff's bytes, digest unknown until written.
    byte[] diff = "a diff layerd computed\n".repeat(5000).getBytes(StandardCharsets.UTF_8);
    ContentInfo written = Context.current().withValue(ContainerdHeaders.NAMESPACE, "ns1")
        .call(() -> content.write(new ByteArrayInputStream(diff), root));
    assertThat(written.digest()).isEqualTo(Digest.sha256(diff));
    assertThat(written.size()).isEqualTo(diff.length);
    assertThat(containerd.ctr("-n", "ns1", "content", "get", written.digest().toString()))
        .isEqualTo(new String(diff, StandardCharsets.UTF_8));
  }

  private DiffService diffService(ContentStore content) {
    return DiffService.create(content, DifferOptions.defaults().withMountRoot(dir.resolve("tmp")),
        DiffService.DEFAULT_ORDER);
  }

  private Path sampleImage() throws Exception {
    Path out = dir.resolve("sample");
    Process p = new ProcessBuilder("bash", "scripts/make-sample-image.sh", out.toString())
        .redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("make-sample-image.sh: %s", log).isZero();
    return dir.resolve("sample.tar");
  }

  /** The tree-manifest listing of the top snapshot of the only image in {@code ns}. */
  private String tree(Containerd containerd, String ns) throws Exception {
    String top = topSnapshot(containerd.ctr("-n", ns, "snapshots", "--snapshotter", "overlayfs",
        "ls"));
    String key = "tree-" + System.nanoTime();
    // One command creates the view and prints its mounts: containerd's garbage collector may
    // remove an unleased view at any time, but its mounts name only the image's layers.
    String json = containerd.ctr("-n", ns, "snapshots", "--snapshotter", "overlayfs", "view",
        "--mounts", key, top);
    List<Mount> mounts = new ArrayList<>();
    for (JsonNode m : new ObjectMapper().readTree(json)) {
      List<String> options = new ArrayList<>();
      m.get("Options").forEach(o -> options.add(o.asText()));
      mounts.add(Mount.of(m.get("Type").asText(), m.get("Source").asText(), options));
    }
    assertThat(mounts).as("mounts of the view of %s", top).hasSize(1);
    try (TempMount view = TempMount.mount(mounts, dir.resolve("views"))) {
      Process p = new ProcessBuilder("bash", "scripts/tree-manifest.sh",
          view.path().toString()).redirectErrorStream(true).start();
      String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as("tree-manifest.sh: %s", listing).isZero();
      return listing;
    } finally {
      containerd.ctrQuietly("-n", ns, "snapshots", "--snapshotter", "overlayfs", "rm", key);
    }
  }

  /** The committed snapshot no other snapshot names as parent. */
  private static String topSnapshot(String ls) {
    Set<String> keys = new HashSet<>();
    Set<String> parents = new HashSet<>();
    for (String line : ls.lines().skip(1).toList()) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 3 && f[2].equals("Committed")) {
        keys.add(f[0]);
        parents.add(f[1]);
      } else if (f.length == 2 && f[1].equals("Committed")) {
        keys.add(f[0]);
      }
    }
    keys.removeAll(parents);
    assertThat(keys).as("top snapshots in:\n%s", ls).hasSize(1);
    return keys.iterator().next();
  }
}
