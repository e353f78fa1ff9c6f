package dev.layerd.server;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Test clients and servers on Unix sockets; each owns its event loop and closes it. */
final class UnixChannels {
  private UnixChannels() {}

  /** A plaintext channel to {@code socket}; close it to release its threads. */
  static Client connect(Path socket) {
    EventLoopGroup group = new EpollEventLoopGroup(1, DiffServer.daemonThreads("test-client"));
    ManagedChannel ch = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(group)
        .channelType(EpollDomainSocketChannel.class)
        .withOption(ChannelOption.SO_KEEPALIVE, null)
        .overrideAuthority("localhost")
        .usePlaintext()
        .maxInboundMessageSize(64 << 20)
        .build();
    return new Client(ch, group);
  }

  /** A server builder on {@code socket} with its own event loops; see {@link Server#close}. */
  static Server serve(Path socket, io.grpc.ServerServiceDefinition... services) throws Exception {
    EventLoopGroup group = new EpollEventLoopGroup(1, DiffServer.daemonThreads("test-server"));
    NettyServerBuilder b = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(group)
        .workerEventLoopGroup(group)
        .withChildOption(ChannelOption.SO_KEEPALIVE, null);
    for (io.grpc.ServerServiceDefinition s : services) {
      b.addService(s);
    }
    return new Server(b.build().start(), group);
  }

  record Client(ManagedChannel channel, EventLoopGroup group) implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  record Server(io.grpc.Server server, EventLoopGroup group) implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
