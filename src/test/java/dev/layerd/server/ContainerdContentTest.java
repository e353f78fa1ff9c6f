package dev.layerd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.diff.Applier;
import dev.layerd.diff.ApplyOptions;
import dev.layerd.errdefs.FailedPreconditionException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.mount.Mount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.server.proto.diff.v1.ApplyRequest;
import dev.layerd.server.proto.diff.v1.DiffGrpc;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerdContentTest {
  @TempDir Path dir;
  private final FakeContentService fake = new FakeContentService();
  private UnixChannels.Server containerd;
  private ContainerdContent content;
  private byte[] blob;
  private Digest digest;

  @BeforeEach
  void start() throws Exception {
    blob = new byte[(3 << 20) + 12345];
    new Random(7).nextBytes(blob);
    digest = Digest.sha256(blob);
    fake.blobs.put(digest.toString(), blob);
    Path socket = dir.resolve("containerd.sock");
    containerd = UnixChannels.serve(socket, fake.definition(),
        FakeContentService.namespaces(List.of("default", "ns1", "ns2")));
    content = ContainerdContent.connect(socket);
  }

  @AfterEach
  void stop() throws Exception {
    content.close();
    containerd.close();
  }

  /** Runs {@code work} as if serving a Diff call made in namespace {@code ns}. */
  private static <T> T inNamespace(String ns, java.util.concurrent.Callable<T> work)
      throws Exception {
    return Context.current().withValue(ContainerdHeaders.NAMESPACE, ns)
        .withValue(ContainerdHeaders.LEASE, "lease-1").call(work);
  }

  @Test
  void readsWholeBlobsInTheCallersNamespace() throws Exception {
    byte[] read = inNamespace("ns1", () -> {
      try (InputStream in = content.open(digest)) {
        return in.readAllBytes();
      }
    });

    assertThat(Digest.sha256(read)).isEqualTo(digest);
    assertThat(fake.namespaces).containsOnly("ns1");
    assertThat(fake.leases).containsOnly("lease-1");
  }

  @Test
  void keepsTheNamespaceOfTheOpeningThreadForLaterReads() throws Exception {
    InputStream in = inNamespace("ns2", () -> content.open(digest));
    Thread other = new Thread(() -> {
      try (in) {
        in.readAllBytes();
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    other.start();
    other.join();

    assertThat(fake.namespaces).containsOnly("ns2");
  }

  @Test
  void seeksWithinABlob() throws Exception {
    try (SeekableByteChannel ch = inNamespace("ns1", () -> content.openChannel(digest))) {
      assertThat(ch.size()).isEqualTo(blob.length);
      ByteBuffer buf = ByteBuffer.allocate(100);
      ch.position(2_500_000);
      while (buf.hasRemaining()) {
        ch.read(buf);
      }
      assertThat(buf.array()).isEqualTo(java.util.Arrays.copyOfRange(blob, 2_500_000, 2_500_100));

      ch.position(blob.length);
      assertThat(ch.read(ByteBuffer.allocate(1))).isEqualTo(-1);
    }
  }

  @Test
  void answersAMissingBlobAsNotFound() throws Exception {
    Digest missing = Digest.sha256(new byte[] {1});

    assertThatThrownBy(() -> inNamespace("ns1", () -> content.info(missing)))
        .isInstanceOf(NotFoundException.class).hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> inNamespace("ns1", () -> {
      try (InputStream in = content.open(missing)) {
        return in.read();
      }
    }))
        .isInstanceOf(NotFoundException.class).hasMessageContaining(missing.toString());
  }

  @Test
  void findsTheNamespaceHoldingABlobWhenContainerdNamesNone() throws Exception {
    fake.holding = java.util.Set.of("ns2");

    assertThat(content.info(digest).size()).isEqualTo(blob.length);
    try (InputStream in = content.open(digest)) {
      assertThat(Digest.sha256(in.readAllBytes())).isEqualTo(digest);
    }

    assertThat(fake.namespaces).contains("default", "ns1", "ns2");
    assertThat(fake.namespaces.getLast()).isEqualTo("ns2");
    fake.holding = java.util.Set.of();
    assertThatThrownBy(() -> content.info(digest))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("none of the namespaces [default, ns1, ns2]");
  }

  @Test
  void refusesWritesWithoutANamespace() {
    byte[] diff = {1, 2, 3};

    assertThatThrownBy(() -> content.write(new ByteArrayInputStream(diff), Map.of()))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("namespace is required");
  }

  @Test
  void writesContentWithADigestComputedWhileSending() throws Exception {
    byte[] diff = new byte[(1 << 20) + 1];
    new Random(3).nextBytes(diff);

    var info = inNamespace("ns1", () -> content.write(new ByteArrayInputStream(diff), Map.of()));

    assertThat(info.digest()).isEqualTo(Digest.sha256(diff));
    assertThat(fake.blobs.get(info.digest().toString())).isEqualTo(diff);
  }

  @Test
  void writesBlobsInChunksAndCommitsWithTheDigest() throws Exception {
    byte[] diff = new byte[(2 << 20) + 5];
    new Random(9).nextBytes(diff);
    Descriptor desc = new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(diff), diff.length);

    var info = inNamespace("ns1", () ->
        content.ingest(desc, new ByteArrayInputStream(diff), Map.of("k", "v")));

    assertThat(info.digest()).isEqualTo(desc.digest());
    assertThat(info.size()).isEqualTo(diff.length);
    assertThat(fake.blobs.get(desc.digest().toString())).isEqualTo(diff);
    assertThat(fake.writeMessages).containsExactly(4);
    assertThat(inNamespace("ns1", () -> content.ingest(desc, new ByteArrayInputStream(diff),
        Map.of())).digest()).isEqualTo(desc.digest());
  }

  @Test
  void refusesACommitWhoseDigestDoesNotMatch() throws Exception {
    byte[] diff = "not what it claims".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Descriptor desc =
        new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(new byte[] {0}), diff.length);

    assertThatThrownBy(() -> inNamespace("ns1", () ->
        content.ingest(desc, new ByteArrayInputStream(diff), Map.of())))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining("unexpected commit digest");
    assertThat(fake.blobs).doesNotContainKey(desc.digest().toString());
  }

  @Test
  void forwardsTheIncomingNamespaceThroughTheDiffServer() throws Exception {
    Applier reading = new Applier() {
      @Override
      public String name() {
        return "reading";
      }

      @Override
      public Descriptor apply(Descriptor layer, List<Mount> mounts, ApplyOptions options)
          throws IOException {
        try (InputStream in = content.open(layer.digest())) {
          byte[] data = in.readAllBytes();
          return new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(data), data.length);
        }
      }
    };
    try (DiffServer server = DiffServer.start(
            ServeOptions.builder().socket(dir.resolve("layerd.sock")).build(), reading, null);
        UnixChannels.Client client = UnixChannels.connect(server.socket())) {
      Metadata md = new Metadata();
      md.put(ContainerdHeaders.NAMESPACE_HEADER, "k8s.io");
      md.put(ContainerdHeaders.LEASE_HEADER, "unpack-lease");
      DiffGrpc.DiffBlockingStub stub = DiffGrpc.newBlockingStub(client.channel())
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
      ApplyRequest req = ApplyRequest.newBuilder()
          .setDiff(dev.layerd.server.proto.types.Descriptor.newBuilder()
              .setMediaType(MediaTypes.OCI_LAYER).setDigest(digest.toString())
              .setSize(blob.length))
          .addMounts(dev.layerd.server.proto.types.Mount.newBuilder().setType("bind")
              .setSource(dir.toString()))
          .build();

      assertThat(stub.apply(req).getApplied().getDigest()).isEqualTo(digest.toString());
      assertThat(fake.namespaces).containsOnly("k8s.io");
      assertThat(fake.leases).containsOnly("unpack-lease");

      Digest missing = Digest.sha256(new byte[] {2});
      assertThatThrownBy(() -> stub.apply(req.toBuilder().setDiff(req.getDiff().toBuilder()
              .setDigest(missing.toString())).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription()).contains(missing.toString());
          });
    }
  }
}
