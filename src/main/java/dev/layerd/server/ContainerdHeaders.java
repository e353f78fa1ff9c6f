package dev.layerd.server;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Carries containerd's namespace and lease from an incoming call to the calls layerd makes back to
 * containerd while serving it. The server interceptor puts the incoming headers into the gRPC
 * {@link Context}; the client interceptor copies them from the current context onto each outgoing
 * call. Work handed to another thread must carry the context along ({@link Context#wrap}).
 */
final class ContainerdHeaders {
  static final Metadata.Key<String> NAMESPACE_HEADER =
      Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> LEASE_HEADER =
      Metadata.Key.of("containerd-lease", Metadata.ASCII_STRING_MARSHALLER);

  static final Context.Key<String> NAMESPACE = Context.key("containerd-namespace");
  static final Context.Key<String> LEASE = Context.key("containerd-lease");

  private ContainerdHeaders() {}

  /** Copies the incoming namespace and lease headers into the call's context. */
  static ServerInterceptor serverInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Context ctx =
            Context.current()
                .withValue(NAMESPACE, headers.get(NAMESPACE_HEADER))
                .withValue(LEASE, headers.get(LEASE_HEADER));
        return Contexts.interceptCall(ctx, call, headers, next);
      }
    };
  }

  /** Sets the namespace and lease of the current context, when present, on outgoing calls. */
  static ClientInterceptor clientInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        String namespace = NAMESPACE.get();
        String lease = LEASE.get();
        return new ForwardingClientCall.SimpleForwardingClientCall<>(
            next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            if (namespace != null && !headers.containsKey(NAMESPACE_HEADER)) {
              headers.put(NAMESPACE_HEADER, namespace);
            }
            if (lease != null && !headers.containsKey(LEASE_HEADER)) {
              headers.put(LEASE_HEADER, lease);
            }
            super.start(listener, headers);
          }
        };
      }
    };
  }

  /** The namespace of the call being served, for messages; "(none)" outside one. */
  static String namespace() {
    String ns = NAMESPACE.get();
    return ns == null ? "(none)" : ns;
  }
}
