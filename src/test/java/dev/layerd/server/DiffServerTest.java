package dev.layerd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.layerd.diff.Applier;
import dev.layerd.diff.ApplyOptions;
import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.FailedPreconditionException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OverlayMount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.server.proto.diff.v1.ApplyRequest;
import dev.layerd.server.proto.diff.v1.ApplyResponse;
import dev.layerd.server.proto.diff.v1.DiffGrpc;
import dev.layerd.server.proto.diff.v1.DiffRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiffServerTest {
  private static final Digest LAYER = Digest.sha256("layer".getBytes(StandardCharsets.UTF_8));
  private static final Digest DIFF_ID = Digest.sha256("tar".getBytes(StandardCharsets.UTF_8));

  @TempDir Path dir;
  private DiffServer server;
  private UnixChannels.Client client;

  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws Exception {
    pool.shutdownNow();
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.shutdown();
    }
  }

  /** What the fake applier saw, and what it does. */
  private final List<Call> calls = new CopyOnWriteArrayList<>();

  record Call(Descriptor layer, List<Mount> mounts, ApplyOptions options, String namespace) {}

  interface Behaviour {
    Descriptor apply(Descriptor layer) throws IOException;
  }

  private Applier applier(Behaviour behaviour) {
    return new Applier() {
      @Override
      public String name() {
        return "fake";
      }

      @Override
      public Descriptor apply(Descriptor layer, List<Mount> mounts, ApplyOptions options)
          throws IOException {
        calls.add(new Call(layer, mounts, options, ContainerdHeaders.NAMESPACE.get()));
        options.progress().accept(0);
        options.progress().accept(layer.size());
        return behaviour.apply(layer);
      }
    };
  }

  private static Descriptor applied(Descriptor layer) {
    return new Descriptor(MediaTypes.OCI_LAYER, DIFF_ID, 3 * layer.size());
  }

  private DiffGrpc.DiffBlockingStub start(ServeOptions.Builder options, Behaviour behaviour)
      throws IOException {
    server = DiffServer.start(options.socket(dir.resolve("layerd.sock")).build(),
        applier(behaviour), null);
    client = UnixChannels.connect(server.socket());
    return DiffGrpc.newBlockingStub(client.channel());
  }

  private static ApplyRequest request(Path target) {
    return ApplyRequest.newBuilder()
        .setDiff(dev.layerd.server.proto.types.Descriptor.newBuilder()
            .setMediaType(MediaTypes.OCI_LAYER_GZIP).setDigest(LAYER.toString()).setSize(100))
        .addMounts(dev.layerd.server.proto.types.Mount.newBuilder()
            .setType("bind").setSource(target.toString()).addOptions("rbind").addOptions("rw"))
        .build();
  }

  @Test
  void appliesThroughTheInjectedApplierWithFlagsAndNamespace() throws Exception {
    DiffGrpc.DiffBlockingStub stub = start(ServeOptions.builder(), DiffServerTest::applied);
    Metadata md = new Metadata();
    md.put(ContainerdHeaders.NAMESPACE_HEADER, "ns1");
    ApplyRequest req = request(dir.resolve("target")).toBuilder()
        .setParallel(true).setSyncFs(true)
        .addMounts(dev.layerd.server.proto.types.Mount.newBuilder().setType("overlay")
            .setSource("overlay").addOptions("lowerdir=/l1:/l2").addOptions("upperdir=/u")
            .addOptions("workdir=/w"))
        .build();

    ApplyResponse resp = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .apply(req);

    assertThat(resp.getApplied().getDigest()).isEqualTo(DIFF_ID.toString());
    assertThat(resp.getApplied().getMediaType()).isEqualTo(MediaTypes.OCI_LAYER);
    assertThat(resp.getApplied().getSize()).isEqualTo(300);
    Call call = calls.getFirst();
    assertThat(call.layer().digest()).isEqualTo(LAYER);
    assertThat(call.options().parallel()).isTrue();
    assertThat(call.options().syncFs()).isTrue();
    assertThat(call.namespace()).isEqualTo("ns1");
    assertThat(call.mounts()).hasSize(2);
    assertThat(call.mounts().get(0)).isEqualTo(new BindMount(dir.resolve("target"), false));
    assertThat(((OverlayMount) call.mounts().get(1)).lowerDirs())
        .containsExactly(Path.of("/l1"), Path.of("/l2"));
    assertThat(server.appliedCount()).isEqualTo(1);
  }

  @Test
  void answersEachErrorKindWithItsCodeAndKeepsServing() throws Exception {
    List<Exception> failures = List.of(
        new NotFoundException("blob " + LAYER + " not found"),
        new NotImplementedException("no differ for mount type tmpfs"),
        new DigestMismatchException(LAYER.toString(), DIFF_ID.toString(), "layer " + LAYER),
        new FailedPreconditionException("snapshot busy"),
        new IllegalStateException("something broke"));
    List<Status.Code> codes = List.of(Status.Code.NOT_FOUND, Status.Code.UNIMPLEMENTED,
        Status.Code.DATA_LOSS, Status.Code.FAILED_PRECONDITION, Status.Code.UNKNOWN);
    int[] next = {0};
    DiffGrpc.DiffBlockingStub stub = start(ServeOptions.builder(), layer -> {
      Exception e = failures.get(next[0]++);
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw (IOException) e;
    });

    for (int i = 0; i < failures.size(); i++) {
      int n = i;
      assertThatThrownBy(() -> stub.apply(request(dir)))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(codes.get(n));
            assertThat(e.getStatus().getDescription()).isEqualTo(failures.get(n).getMessage());
          });
    }

    assertThat(server.scrapeMetrics())
        .contains("layerd_grpc_errors_total{code=\"DATA_LOSS\",method=\"apply\"} 1.0");
  }

  @Test
  void refusesMalformedRequestsBeforeApplying() throws Exception {
    DiffGrpc.DiffBlockingStub stub = start(ServeOptions.builder(), DiffServerTest::applied);
    ApplyRequest good = request(dir);

    assertCode(() -> stub.apply(good.toBuilder().clearMounts().build()),
        Status.Code.INVALID_ARGUMENT, "no mounts");
    assertCode(() -> stub.apply(good.toBuilder().clearDiff().build()),
        Status.Code.INVALID_ARGUMENT, "no layer descriptor");
    assertCode(() -> stub.apply(good.toBuilder().setDiff(good.getDiff().toBuilder()
            .setDigest("md5:abc")).build()),
        Status.Code.INVALID_ARGUMENT, "unsupported digest algorithm");
    assertCode(() -> stub.apply(good.toBuilder().setMounts(0, good.getMounts(0).toBuilder()
            .setType("")).build()),
        Status.Code.INVALID_ARGUMENT, "has no type");
    assertCode(() -> stub.apply(good.toBuilder().setDiff(good.getDiff().toBuilder()
            .setSize(-1)).build()),
        Status.Code.INVALID_ARGUMENT, "negative size");

    assertThat(calls).isEmpty();
    assertThat(stub.apply(good).getApplied().getDigest()).isEqualTo(DIFF_ID.toString());
  }

  @Test
  void refusesOversizedPayloadMapsAndKeepsServing() throws Exception {
    DiffGrpc.DiffBlockingStub stub = start(ServeOptions.builder(), DiffServerTest::applied);
    ApplyRequest.Builder huge = request(dir).toBuilder();
    byte[] mib = new byte[1 << 20];
    for (int i = 0; i < 6; i++) {
      huge.putPayloads("type" + i, Any.newBuilder().setTypeUrl("x/y")
          .setValue(ByteString.copyFrom(mib)).build());
    }

    assertCode(() -> stub.apply(huge.build()), Status.Code.RESOURCE_EXHAUSTED, "exceeds maximum");

    assertThat(calls).isEmpty();
    assertThat(stub.apply(request(dir)).getApplied().getDigest()).isEqualTo(DIFF_ID.toString());
  }

  @Test
  void passesPayloadsToTheApplier() throws Exception {
    DiffGrpc.DiffBlockingStub stub = start(ServeOptions.builder(), DiffServerTest::applied);

    stub.apply(request(dir).toBuilder().putPayloads("application/x-proc",
        Any.newBuilder().setTypeUrl("t/u").setValue(ByteString.copyFromUtf8("v")).build())
        .build());

    assertThat(calls.getFirst().options().payloads()).containsOnlyKeys("application/x-proc");
    assertThat(calls.getFirst().options().payloads().get("application/x-proc").value())
        .isEqualTo("v".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void answersDiffWithUnimplementedWithoutComparer() throws Exception {
    DiffGrpc.DiffBlockingStub stub = start(ServeOptions.builder(), DiffServerTest::applied);

    assertCode(() -> stub.diff(DiffRequest.newBuilder().addRight(request(dir).getMounts(0))
        .build()), Status.Code.UNIMPLEMENTED, "no comparer");
  }

  @Test
  void reportsServingOnTheHealthService() throws Exception {
    start(ServeOptions.builder(), DiffServerTest::applied);
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(client.channel());

    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.newBuilder()
        .setService("containerd.services.diff.v1.Diff").build()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void createsTheSocketForItsOwnerOnlyAndRemovesItOnShutdown() throws Exception {
    start(ServeOptions.builder(), DiffServerTest::applied);
    Path socket = server.socket();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
        .isEqualTo("rw-------");

    server.shutdown();
    assertThat(socket).doesNotExist();
  }

  @Test
  void givesTheSocketGroupReadAndWrite() throws Exception {
    start(ServeOptions.builder().socketGroup("daemon"), DiffServerTest::applied);
    Path socket = server.socket();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
        .isEqualTo("rw-rw----");
    assertThat(Files.getAttribute(socket, "posix:group", LinkOption.NOFOLLOW_LINKS).toString())
        .isEqualTo("daemon");
  }

  @Test
  void refusesASocketAnotherServerListensOn() throws Exception {
    start(ServeOptions.builder(), DiffServerTest::applied);

    assertThatThrownBy(() -> DiffServer.start(
            ServeOptions.builder().socket(server.socket()).build(),
            applier(DiffServerTest::applied), null))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("another server is listening");

    // The refused start left the live socket alone.
    HealthGrpc.newBlockingStub(client.channel()).check(HealthCheckRequest.getDefaultInstance());
    assertThat(server.socket()).exists();
  }

  @Test
  void replacesAStaleSocketAndRefusesOtherFiles() throws Exception {
    Path socket = dir.resolve("layerd.sock");
    try (var ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists();

    DiffGrpc.DiffBlockingStub stub = start(ServeOptions.builder(), DiffServerTest::applied);
    assertThat(stub.apply(request(dir)).getApplied().getDigest()).isEqualTo(DIFF_ID.toString());

    Path file = Files.writeString(dir.resolve("file.sock"), "x");
    assertThatThrownBy(() -> DiffServer.start(ServeOptions.builder().socket(file).build(),
            applier(DiffServerTest::applied), null))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("not a socket");
    assertThat(file).hasContent("x");
  }

  @Test
  void refusesBeyondWorkersAndQueueWithResourceExhausted() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    DiffGrpc.DiffBlockingStub stub = start(ServeOptions.builder().maxConcurrent(1).maxQueued(0),
        layer -> {
          entered.countDown();
          await(release);
          return applied(layer);
        });
    CompletableFuture<ApplyResponse> first =
        CompletableFuture.supplyAsync(() -> stub.apply(request(dir)), pool);
    entered.await();

    assertCode(() -> stub.apply(request(dir)), Status.Code.RESOURCE_EXHAUSTED, "busy");

    release.countDown();
    assertThat(first.get().getApplied().getDigest()).isEqualTo(DIFF_ID.toString());
  }

  @Test
  void shutdownFinishesRequestsInFlightAndRefusesNewOnes() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    DiffGrpc.DiffBlockingStub stub = start(ServeOptions.builder()
            .shutdownGrace(Duration.ofMinutes(1)),
        layer -> {
          if (layer.size() == 100) {
            entered.countDown();
            await(release);
          }
          return applied(layer);
        });
    CompletableFuture<ApplyResponse> inFlight =
        CompletableFuture.supplyAsync(() -> stub.apply(request(dir)), pool);
    entered.await();

    CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::shutdown, pool);
    while (!newCallRefused(stub)) {
      Thread.sleep(10);
    }
    assertThat(stopping).isNotDone();
    release.countDown();

    assertThat(inFlight.get().getApplied().getDigest()).isEqualTo(DIFF_ID.toString());
    stopping.get();
    assertThat(server.socket()).doesNotExist();
  }

  @Test
  void shutdownCancelsWhatOutlastsTheGracePeriod() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    DiffGrpc.DiffBlockingStub stub = start(ServeOptions.builder().shutdownGrace(Duration.ZERO),
        layer -> {
          entered.countDown();
          try {
            new CountDownLatch(1).await();
          } catch (InterruptedException e) {
            throw new java.io.InterruptedIOException("apply interrupted by shutdown");
          }
          return applied(layer);
        });
    CompletableFuture<ApplyResponse> stuck =
        CompletableFuture.supplyAsync(() -> stub.apply(request(dir)), pool);
    entered.await();

    server.shutdown();

    assertThatThrownBy(stuck::get).hasCauseInstanceOf(StatusRuntimeException.class);
    assertThat(server.socket()).doesNotExist();
  }

  /** A differ named {@code name} whose every apply throws {@code failure}. */
  private static Applier throwing(String name, Exception failure) {
    return new Applier() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Descriptor apply(Descriptor layer, List<Mount> mounts, ApplyOptions options)
          throws IOException {
        if (failure instanceof IOException io) {
          throw io;
        }
        throw (RuntimeException) failure;
      }
    };
  }

  /** Behind the diff service, the metrics name the differ that took each layer. */
  @Test
  void metricsNameTheDifferTheDiffServiceChose() throws Exception {
    Applier declining = throwing("declining", new NotImplementedException("not this layer"));
    Applier failing = throwing("failing", new IOException("disk on fire"));
    server =
        DiffServer.start(
            ServeOptions.builder()
                .socket(dir.resolve("layerd.sock"))
                .metricsAddress(new InetSocketAddress("127.0.0.1", 0))
                .build(),
            new dev.layerd.diff.DiffService(
                List.of(declining, applier(DiffServerTest::applied)), List.of()),
            null);
    client = UnixChannels.connect(server.socket());
    DiffGrpc.newBlockingStub(client.channel()).apply(request(dir));
    DiffServer other =
        DiffServer.start(
            ServeOptions.builder().socket(dir.resolve("other.sock")).build(),
            new dev.layerd.diff.DiffService(List.of(declining, failing), List.of()),
            null);
    try (UnixChannels.Client c = UnixChannels.connect(other.socket())) {
      assertThatThrownBy(() -> DiffGrpc.newBlockingStub(c.channel()).apply(request(dir)))
          .isInstanceOf(StatusRuntimeException.class);
      assertThat(other.scrapeMetrics())
          .contains("layerd_diff_apply_seconds_count{differ=\"failing\",outcome=\"unknown\"} 1");
    } finally {
      other.shutdown();
    }

    assertThat(server.scrapeMetrics())
        .contains("layerd_diff_apply_seconds_count{differ=\"fake\",outcome=\"ok\"} 1")
        .doesNotContain("differ=\"declining\"")
        .doesNotContain("differ=\"diff-service\"");
  }

  @Test
  void servesPrometheusMetricsOverHttp() throws Exception {
    DiffGrpc.DiffBlockingStub stub = start(
        ServeOptions.builder().metricsAddress(new InetSocketAddress("127.0.0.1", 0)),
        DiffServerTest::applied);
    stub.apply(request(dir));
    InetSocketAddress at = server.metricsAddress().orElseThrow();

    HttpResponse<String> r;
    try (HttpClient http = HttpClient.newHttpClient()) {
      r = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + at.getPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
    }

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains("layerd_diff_apply_seconds_count{differ=\"fake\",outcome=\"ok\"} 1")
        .contains("layerd_diff_bytes_in_total{method=\"apply\"} 100.0")
        .contains("layerd_diff_bytes_out_total{method=\"apply\"} 300.0")
        .contains("layerd_requests_inflight 0.0");
  }

  private static boolean newCallRefused(DiffGrpc.DiffBlockingStub stub) {
    try {
      ApplyRequest small = request(Path.of("/nonexistent"));
      stub.apply(small.toBuilder().setDiff(small.getDiff().toBuilder().setSize(1)).build());
      return false;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() == Status.Code.UNAVAILABLE;
    }
  }

  private static void await(CountDownLatch latch) throws IOException {
    try {
      latch.await();
    } catch (InterruptedException e) {
      throw new java.io.InterruptedIOException();
    }
  }

  private static void assertCode(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(e.getStatus().getDescription()).contains(message);
        });
  }
}
