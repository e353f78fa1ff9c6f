package dev.layerd.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.layerd.oci.Digest;
import dev.layerd.server.proto.content.v1.ContentGrpc;
import dev.layerd.server.proto.content.v1.Info;
import dev.layerd.server.proto.content.v1.InfoRequest;
import dev.layerd.server.proto.content.v1.InfoResponse;
import dev.layerd.server.proto.content.v1.ReadContentRequest;
import dev.layerd.server.proto.content.v1.ReadContentResponse;
import dev.layerd.server.proto.content.v1.WriteAction;
import dev.layerd.server.proto.content.v1.WriteContentRequest;
import dev.layerd.server.proto.content.v1.WriteContentResponse;
import dev.layerd.server.proto.namespaces.v1.ListNamespacesRequest;
import dev.layerd.server.proto.namespaces.v1.ListNamespacesResponse;
import dev.layerd.server.proto.namespaces.v1.Namespace;
import dev.layerd.server.proto.namespaces.v1.NamespacesGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory stand-in for containerd's content service, answering the way containerd does
 * (one response per write message, digest checked at commit, 1 MiB read chunks), and recording
 * the namespace and lease headers of every call.
 */
final class FakeContentService extends ContentGrpc.ContentImplBase {
  final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  final List<String> namespaces = new CopyOnWriteArrayList<>();
  final List<String> leases = new CopyOnWriteArrayList<>();
  final List<Integer> writeMessages = new CopyOnWriteArrayList<>();
  /** When set, every Read fails with it after the first chunk. */
  volatile Status readFailure;
  /** Namespaces whose view holds the blobs; null for every namespace. */
  volatile Set<String> holding;
  private static final Context.Key<String> NS = Context.key("fake-namespace");

  /** The namespaces service: lists {@code names}. */
  static ServerServiceDefinition namespaces(List<String> names) {
    return new NamespacesGrpc.NamespacesImplBase() {
      @Override
      public void list(ListNamespacesRequest request,
          StreamObserver<ListNamespacesResponse> response) {
        ListNamespacesResponse.Builder r = ListNamespacesResponse.newBuilder();
        names.forEach(n -> r.addNamespaces(Namespace.newBuilder().setName(n)));
        response.onNext(r.build());
        response.onCompleted();
      }
    }.bindService();
  }

  private byte[] visible(String digest) {
    Set<String> h = holding;
    return h == null || h.contains(NS.get()) ? blobs.get(digest) : null;
  }

  ServerServiceDefinition definition() {
    return ServerInterceptors.intercept(this, new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String ns = headers.get(ContainerdHeaders.NAMESPACE_HEADER);
        if (ns == null) {
          call.close(Status.FAILED_PRECONDITION.withDescription("namespace is required"),
              new Metadata());
          return new ServerCall.Listener<>() {};
        }
        namespaces.add(ns);
        leases.add(String.valueOf(headers.get(ContainerdHeaders.LEASE_HEADER)));
        return Contexts.interceptCall(Context.current().withValue(NS, ns), call, headers, next);
      }
    });
  }

  @Override
  public void info(InfoRequest request, StreamObserver<InfoResponse> response) {
    byte[] blob = visible(request.getDigest());
    if (blob == null) {
      response.onError(Status.NOT_FOUND
          .withDescription("content digest " + request.getDigest() + ": not found")
          .asRuntimeException());
      return;
    }
    response.onNext(InfoResponse.newBuilder().setInfo(Info.newBuilder()
        .setDigest(request.getDigest()).setSize(blob.length)).build());
    response.onCompleted();
  }

  @Override
  public void read(ReadContentRequest request, StreamObserver<ReadContentResponse> response) {
    byte[] blob = visible(request.getDigest());
    if (blob == null) {
      response.onError(Status.NOT_FOUND
          .withDescription("content digest " + request.getDigest() + ": not found")
          .asRuntimeException());
      return;
    }
    long end = request.getSize() == 0 ? blob.length
        : Math.min(blob.length, request.getOffset() + request.getSize());
    for (long off = request.getOffset(); off < end; off += 1 << 20) {
      int n = (int) Math.min(1 << 20, end - off);
      response.onNext(ReadContentResponse.newBuilder().setOffset(off)
          .setData(ByteString.copyFrom(blob, (int) off, n)).build());
      if (readFailure != null) {
        response.onError(readFailure.asRuntimeException());
        return;
      }
    }
    response.onCompleted();
  }

  @Override
  public void delete(dev.layerd.server.proto.content.v1.DeleteContentRequest request,
      StreamObserver<Empty> response) {
    blobs.remove(request.getDigest());
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public StreamObserver<WriteContentRequest> write(StreamObserver<WriteContentResponse> response) {
    return new StreamObserver<>() {
      final ByteArrayOutputStream data = new ByteArrayOutputStream();
      int messages;
      boolean ended;

      @Override
      public void onNext(WriteContentRequest req) {
        if (ended) {
          return;
        }
        messages++;
        if (!req.getExpected().isEmpty() && blobs.containsKey(req.getExpected())) {
          fail(Status.ALREADY_EXISTS.withDescription(req.getExpected() + ": already exists"));
          return;
        }
        if (req.getOffset() != data.size()) {
          fail(Status.OUT_OF_RANGE.withDescription("write at " + req.getOffset()
              + " but offset is " + data.size()));
          return;
        }
        data.writeBytes(req.getData().toByteArray());
        WriteContentResponse.Builder r = WriteContentResponse.newBuilder()
            .setAction(req.getAction()).setOffset(data.size());
        if (req.getAction() == WriteAction.COMMIT) {
          String actual = Digest.sha256(data.toByteArray()).toString();
          if (!actual.equals(req.getExpected()) || req.getTotal() != data.size()) {
            fail(Status.FAILED_PRECONDITION.withDescription(
                "unexpected commit digest " + actual + ", expected " + req.getExpected()));
            return;
          }
          blobs.put(actual, data.toByteArray());
          writeMessages.add(messages);
          r.setDigest(actual).setTotal(data.size());
        }
        response.onNext(r.build());
      }

      private void fail(Status s) {
        ended = true;
        response.onError(s.asRuntimeException());
      }

      @Override
      public void onError(Throwable t) {
        ended = true;
      }

      @Override
      public void onCompleted() {
        if (!ended) {
          response.onCompleted();
        }
      }
    };
  }
}
