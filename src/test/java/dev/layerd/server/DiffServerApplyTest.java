package dev.layerd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.layerd.diff.Applier;
import dev.layerd.diff.ApplyOptions;
import dev.layerd.diff.DiffService;
import dev.layerd.diff.DifferOptions;
import dev.layerd.mount.Mount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.server.proto.diff.v1.ApplyRequest;
import dev.layerd.server.proto.diff.v1.ApplyResponse;
import dev.layerd.server.proto.diff.v1.DiffGrpc;
import dev.layerd.testing.RequiresRoot;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server over the real diff service and differs: bad requests, and load. */
@RequiresRoot
class DiffServerApplyTest {
  @TempDir Path dir;
  private final TestLayers.MemoryProvider provider = new TestLayers.MemoryProvider();

  private DiffService diffService() {
    return DiffService.create(provider, DifferOptions.defaults().withMountRoot(dir.resolve("mnt")),
        DiffService.DEFAULT_ORDER);
  }

  private static ApplyRequest request(Digest digest, long size, String mediaType, Path target,
      boolean parallel) {
    return ApplyRequest.newBuilder()
        .setDiff(dev.layerd.server.proto.types.Descriptor.newBuilder()
            .setMediaType(mediaType).setDigest(digest.toString()).setSize(size))
        .addMounts(dev.layerd.server.proto.types.Mount.newBuilder()
            .setType("bind").setSource(target.toString()).addOptions("rbind").addOptions("rw"))
        .setParallel(parallel)
        .build();
  }

  private static ApplyRequest request(TestLayers.Layer layer, Path target, boolean parallel) {
    return request(layer.digest(), layer.blob().length, MediaTypes.OCI_LAYER_GZIP, target,
        parallel);
  }

  private Path target(String name) throws IOException {
    return Files.createDirectories(dir.resolve("targets").resolve(name));
  }

  @Test
  void answersBadRequestsWithTheirCodesAndKeepsServing() throws Exception {
    TestLayers.Layer good = TestLayers.layer(Map.of("etc/hostname", "layerd\n"));
    provider.put(good);
    byte[] notGzip = "not a tar header. ".repeat(100).getBytes(StandardCharsets.UTF_8);
    Digest garbage = Digest.sha256(notGzip);
    provider.put(garbage, notGzip);
    Digest lying = Digest.sha256(new byte[] {42});
    provider.put(lying, good.blob());
    Digest missing = Digest.sha256(new byte[] {7});

    try (DiffServer server = DiffServer.start(
            ServeOptions.builder().socket(dir.resolve("layerd.sock")).build(), diffService(),
            null);
        UnixChannels.Client client = UnixChannels.connect(server.socket())) {
      DiffGrpc.DiffBlockingStub stub = DiffGrpc.newBlockingStub(client.channel());
      ApplyRequest ok = request(good, target("ok"), false);

      assertCode(stub, ok.toBuilder().setMounts(0, ok.getMounts(0).toBuilder()
              .setType("tmpfs").setSource("tmpfs")).build(),
          Status.Code.UNIMPLEMENTED, "tmpfs");
      assertCode(stub, request(missing, 10, MediaTypes.OCI_LAYER_GZIP, target("m"), false),
          Status.Code.NOT_FOUND, missing.toString());
      assertCode(stub, request(lying, good.blob().length, MediaTypes.OCI_LAYER_GZIP,
              target("l"), false),
          Status.Code.DATA_LOSS, lying.toString());
      assertCode(stub, request(garbage, notGzip.length, MediaTypes.OCI_LAYER_GZIP,
              target("g"), false),
          Status.Code.INVALID_ARGUMENT, garbage.toString());
      assertCode(stub, request(good.digest(), good.blob().length, MediaTypes.OCI_MANIFEST,
              target("w"), false),
          Status.Code.UNIMPLEMENTED, MediaTypes.OCI_MANIFEST);
      assertCode(stub, ok.toBuilder().clearMounts().build(),
          Status.Code.INVALID_ARGUMENT, "no mounts");
      ApplyRequest.Builder huge = ok.toBuilder();
      for (int i = 0; i < 5; i++) {
        huge.putPayloads("p" + i, Any.newBuilder().setTypeUrl("t")
            .setValue(ByteString.copyFrom(new byte[1 << 20])).build());
      }
      assertCode(stub, huge.build(), Status.Code.RESOURCE_EXHAUSTED, "exceeds maximum");
      ApplyRequest.Builder many = ok.toBuilder();
      for (int i = 0; i < 10_000; i++) {
        many.putPayloads("application/x-" + i, Any.newBuilder().setTypeUrl("t").build());
      }
      assertCode(stub, many.build(), Status.Code.UNIMPLEMENTED, "payload");

      ApplyResponse applied = stub.apply(ok);
      assertThat(applied.getApplied().getDigest()).isEqualTo(good.diffId().toString());
      assertThat(target("ok").resolve("etc/hostname")).hasContent("layerd");
      assertThat(server.appliedCount()).isEqualTo(1);
    }
  }

  @Test
  void reportsAContainerdFailureMidLayerWithContainerdsCode() throws Exception {
    Map<String, String> files = new java.util.LinkedHashMap<>();
    java.util.Random random = new java.util.Random(5);
    for (int i = 0; i < 40; i++) {
      byte[] b = new byte[100_000];
      random.nextBytes(b);
      files.put("f" + i, java.util.HexFormat.of().formatHex(b));
    }
    TestLayers.Layer big = TestLayers.layer(files);
    FakeContentService fake = new FakeContentService();
    fake.blobs.put(big.digest().toString(), big.blob());
    fake.readFailure = Status.UNAVAILABLE.withDescription("containerd is shutting down");
    Path containerdSocket = dir.resolve("containerd.sock");

    try (UnixChannels.Server containerd = UnixChannels.serve(containerdSocket, fake.definition());
        DiffServer server = DiffServer.start(ServeOptions.builder()
                .socket(dir.resolve("layerd.sock")).containerdAddress(containerdSocket).build(),
            content -> DiffService.create(content,
                DifferOptions.defaults().withMountRoot(dir.resolve("mnt")),
                DiffService.DEFAULT_ORDER), null);
        UnixChannels.Client client = UnixChannels.connect(server.socket())) {
      io.grpc.Metadata md = new io.grpc.Metadata();
      md.put(ContainerdHeaders.NAMESPACE_HEADER, "ns1");
      DiffGrpc.DiffBlockingStub stub = DiffGrpc.newBlockingStub(client.channel())
          .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));

      assertCode(stub, request(big, target("u"), true), Status.Code.UNAVAILABLE,
          "containerd is shutting down");
    }
  }

  @Test
  void appliesManyLayersConcurrentlyWithoutLeakingThreadsOrDescriptors() throws Exception {
    int n = 32;
    List<TestLayers.Layer> layers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      layers.add(TestLayers.layer(Map.of(
          "layer" + i + "/file", "content of layer " + i + "\n",
          "shared/note-" + i, "x".repeat(i * 1000))));
      provider.put(layers.get(i));
    }
    runOnce(layers.subList(0, 1), "warm");
    long threads = threadCount();
    long fds = fdCount();

    int maxInFlight = runOnce(layers, "load");

    assertThat(maxInFlight).as("requests worked on at once").isGreaterThan(1);
    assertThat(settled(() -> threadCount() <= threads + 2))
        .as("threads after stop (before: %d, now: %d)", threads, threadCount()).isTrue();
    assertThat(settled(() -> fdCount() <= fds + 2))
        .as("descriptors after stop (before: %d, now: %d)", fds, fdCount()).isTrue();
  }

  /** Applies every layer into its own directory at once; returns the most in flight. */
  private int runOnce(List<TestLayers.Layer> layers, String round) throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    DiffService service = diffService();
    Applier counting = new Applier() {
      @Override
      public String name() {
        return service.name();
      }

      @Override
      public Descriptor apply(Descriptor layer, List<Mount> mounts, ApplyOptions options)
          throws IOException {
        max.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
          return service.apply(layer, mounts, options);
        } finally {
          inFlight.decrementAndGet();
        }
      }
    };
    ExecutorService callers = Executors.newFixedThreadPool(layers.size());
    try (DiffServer server = DiffServer.start(ServeOptions.builder()
                .socket(dir.resolve(round + ".sock")).maxConcurrent(8).build(),
            counting, null);
        UnixChannels.Client client = UnixChannels.connect(server.socket())) {
      DiffGrpc.DiffBlockingStub stub = DiffGrpc.newBlockingStub(client.channel());
      List<Future<ApplyResponse>> calls = new ArrayList<>();
      for (int i = 0; i < layers.size(); i++) {
        ApplyRequest req = request(layers.get(i), target(round + i), i % 2 == 0);
        calls.add(callers.submit(() -> stub.apply(req)));
      }
      for (int i = 0; i < layers.size(); i++) {
        assertThat(calls.get(i).get().getApplied().getDigest())
            .isEqualTo(layers.get(i).diffId().toString());
        assertThat(target(round + i).resolve("layer" + i + "/file"))
            .hasContent("content of layer " + i);
      }
      assertThat(server.appliedCount()).isEqualTo(layers.size());
    } finally {
      callers.shutdown();
      assertThat(callers.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
    }
    return max.get();
  }

  private static long threadCount() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  private static long fdCount() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  interface Check {
    boolean ok() throws Exception;
  }

  /** Whether {@code check} holds within a settle time of some seconds (threads end lazily). */
  private static boolean settled(Check check) throws Exception {
    for (int i = 0; i < 100; i++) {
      if (check.ok()) {
        return true;
      }
      Thread.sleep(100);
    }
    return check.ok();
  }

  private static void assertCode(DiffGrpc.DiffBlockingStub stub, ApplyRequest req,
      Status.Code code, String message) {
    assertThatThrownBy(() -> stub.apply(req))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
          assertThat(e.getStatus().getDescription()).contains(message);
        });
  }
}
