package dev.layerd.server;

import com.google.protobuf.FieldMask;
import dev.layerd.content.ContentInfo;
import dev.layerd.content.ContentStore;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.server.proto.content.v1.ContentGrpc;
import dev.layerd.server.proto.content.v1.DeleteContentRequest;
import dev.layerd.server.proto.content.v1.Info;
import dev.layerd.server.proto.content.v1.InfoRequest;
import dev.layerd.server.proto.content.v1.ListContentRequest;
import dev.layerd.server.proto.content.v1.ListContentResponse;
import dev.layerd.server.proto.content.v1.UpdateRequest;
import dev.layerd.server.proto.namespaces.v1.ListNamespacesRequest;
import dev.layerd.server.proto.namespaces.v1.Namespace;
import dev.layerd.server.proto.namespaces.v1.NamespacesGrpc;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * containerd's content store, reached over its gRPC socket: layerd's differs read layer blobs
 * through it and diffs are written back into it.
 *
 * <p>Every call carries the {@code containerd-namespace} and {@code containerd-lease} of the Diff
 * call being served on the current thread (see the server's interceptor), so blobs are read from,
 * and written into, the namespace containerd asked about. Streams opened by {@link #open} keep
 * the namespace of the thread that opened them.
 *
 * <p>containerd 1.7 calls a proxy differ without those headers. Reads then look for the blob in
 * each of containerd's namespaces and read it from the first that has it: blobs are addressed by
 * digest, so any namespace holding one serves the same verified bytes. Writes have no such
 * fallback: without a namespace containerd refuses them with "failed precondition".
 *
 * <p>Failures answered by containerd arrive as layerd's error kinds (a missing blob is {@link
 * NotFoundException}). Thread-safe. {@link #close} releases the connection; it may be called
 * twice.
 */
public final class ContainerdContent implements ContentStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ContainerdContent.class);
  private static final int MAX_MESSAGE = 16 << 20;

  private final Path socket;
  private final EventLoopGroup group;
  private final ManagedChannel channel;
  private final ContentGrpc.ContentBlockingStub blocking;
  private final ContentGrpc.ContentStub async;
  private final NamespacesGrpc.NamespacesBlockingStub namespaces;

  private ContainerdContent(Path socket) {
    this.socket = socket;
    this.group = new EpollEventLoopGroup(1, DiffServer.daemonThreads("layerd-containerd-io"));
    this.channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            .withOption(ChannelOption.SO_KEEPALIVE, null)
            .overrideAuthority("localhost")
            .usePlaintext()
            .maxInboundMessageSize(MAX_MESSAGE)
            .intercept(ContainerdHeaders.clientInterceptor())
            .build();
    this.blocking = ContentGrpc.newBlockingStub(channel);
    this.async = ContentGrpc.newStub(channel);
    this.namespaces = NamespacesGrpc.newBlockingStub(channel);
  }

  /**
   * A client for the containerd listening on {@code socket}. Connects lazily: an absent
   * containerd shows on the first call as {@link dev.layerd.errdefs.ErrorKind#UNAVAILABLE}.
   */
  public static ContainerdContent connect(Path socket) {
    return new ContainerdContent(Objects.requireNonNull(socket, "socket"));
  }

  /** The containerd socket this client talks to. */
  public Path socket() {
    return socket;
  }

  @Override
  public ContentInfo info(Digest digest) {
    return in(readScope(digest), () -> infoHere(digest));
  }

  @Override
  public InputStream open(Digest digest) {
    return new ContentReadStream(blocking, readScope(digest), digest, 0);
  }

  @Override
  public SeekableByteChannel openChannel(Digest digest) {
    Context scope = readScope(digest);
    long size = in(scope, () -> infoHere(digest)).size();
    return new ContentReadChannel(blocking, scope, digest, size);
  }

  private ContentInfo infoHere(Digest digest) {
    try {
      Info info = blocking.info(InfoRequest.newBuilder().setDigest(digest.toString()).build())
          .getInfo();
      return Protos.info(info);
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.fromStatus(e, "info of " + digest + " from containerd at " + socket
          + " (namespace " + ContainerdHeaders.namespace() + ")");
    }
  }

  /**
   * The context to read {@code digest} in: the current one when it names a namespace, else the
   * current one with the first of containerd's namespaces that holds the blob.
   */
  private Context readScope(Digest digest) {
    Context current = Context.current();
    if (ContainerdHeaders.NAMESPACE.get(current) != null) {
      return current;
    }
    List<String> names;
    try {
      names = namespaces.list(ListNamespacesRequest.getDefaultInstance()).getNamespacesList()
          .stream().map(Namespace::getName).toList();
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.fromStatus(e, "list namespaces of containerd at " + socket);
    }
    for (String ns : names) {
      Context scope = current.withValue(ContainerdHeaders.NAMESPACE, ns);
      try {
        in(scope, () -> infoHere(digest));
        log.debug("containerd named no namespace; reading {} from namespace {}", digest, ns);
        return scope;
      } catch (NotFoundException e) {
        // Not in this namespace; try the next.
      }
    }
    throw new NotFoundException("blob " + digest + " is in none of the namespaces " + names
        + " of containerd at " + socket);
  }

  private static <T> T in(Context scope, java.util.function.Supplier<T> work) {
    Context previous = scope.attach();
    try {
      return work.get();
    } finally {
      scope.detach(previous);
    }
  }

  /**
   * Writes the blob into containerd under a fresh ingest reference and commits it with the
   * expected digest and size; containerd verifies both. A blob already present is not written
   * again and its info is returned.
   */
  @Override
  public ContentInfo ingest(Descriptor expected, InputStream data, Map<String, String> labels)
      throws IOException {
    Objects.requireNonNull(expected, "expected");
    ContentWriteSession.write(async, ingestRef(), expected, data, labelsOrEmpty(labels));
    return info(expected.digest());
  }

  /**
   * Writes the blob into containerd, its digest computed while sending, for content layerd
   * produces (diffs). When containerd already has it, the labels are merged into its labels.
   */
  @Override
  public ContentInfo write(InputStream data, Map<String, String> labels) throws IOException {
    Map<String, String> l = labelsOrEmpty(labels);
    ContentWriteSession.Written written =
        ContentWriteSession.write(async, ingestRef(), null, data, l);
    return written.existed() && !l.isEmpty()
        ? updateLabels(written.digest(), l)
        : info(written.digest());
  }

  private static String ingestRef() {
    return "layerd-" + UUID.randomUUID();
  }

  private static Map<String, String> labelsOrEmpty(Map<String, String> labels) {
    return labels == null ? Map.of() : labels;
  }

  @Override
  public boolean exists(Digest digest) {
    try {
      info(digest);
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** Sets or (for a null value) removes each label given, leaving the others. */
  @Override
  public ContentInfo updateLabels(Digest digest, Map<String, String> labels) {
    Info.Builder info = Info.newBuilder().setDigest(digest.toString());
    FieldMask.Builder mask = FieldMask.newBuilder();
    labels.forEach((k, v) -> {
      mask.addPaths("labels." + k);
      if (v != null) {
        info.putLabels(k, v);
      }
    });
    try {
      Info updated = blocking.update(
          UpdateRequest.newBuilder().setInfo(info).setUpdateMask(mask).build()).getInfo();
      return Protos.info(updated);
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.fromStatus(e, "update labels of " + digest + " in containerd");
    }
  }

  @Override
  public List<ContentInfo> list() {
    List<ContentInfo> out = new ArrayList<>();
    try {
      Iterator<ListContentResponse> it = blocking.list(ListContentRequest.getDefaultInstance());
      while (it.hasNext()) {
        for (Info i : it.next().getInfoList()) {
          out.add(Protos.info(i));
        }
      }
      return out;
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.fromStatus(e, "list content of containerd at " + socket);
    }
  }

  @Override
  public void delete(Digest digest) {
    try {
      blocking.delete(DeleteContentRequest.newBuilder().setDigest(digest.toString()).build());
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.fromStatus(e, "delete " + digest + " from containerd");
    }
  }

  /** Closes the connection, waiting briefly for calls in flight. */
  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
