package dev.layerd.server;

import dev.layerd.diff.Applier;
import dev.layerd.content.ContentStore;
import dev.layerd.diff.Comparer;
import dev.layerd.errdefs.InvalidArgumentException;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * layerd's gRPC server: containerd's {@code containerd.services.diff.v1.Diff} API and the standard
 * gRPC health service on a Unix socket, so containerd can use layerd as its differ through a
 * {@code diff} proxy plugin.
 *
 * <p>Typical use, as {@code layerd serve} does it: the content store is containerd's when
 * {@link ServeOptions#containerdAddress()} is set, else layerd's own.
 *
 * <pre>{@code
 * DiffServer server = DiffServer.start(options,
 *     content -> DiffService.create(content, differOptions, order), localStore);
 * server.awaitTermination();
 * }</pre>
 *
 * <p>Start refuses a socket another server answers on and replaces a stale one. Requests run in
 * parallel on at most {@link ServeOptions#maxConcurrent()} workers, with up to {@link
 * ServeOptions#maxQueued()} more waiting; beyond that a request is refused with
 * RESOURCE_EXHAUSTED. {@link #shutdown} (also run on SIGTERM when {@link
 * ServeOptions#shutdownHook()} is set) stops accepting calls, lets those in flight finish within
 * the grace period, cancels the rest, and removes the socket. Thread-safe.
 */
public final class DiffServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DiffServer.class);
  private static final String DIFF_SERVICE = "containerd.services.diff.v1.Diff";

  private final ServeOptions options;
  private final DiffEndpoint endpoint;
  private final ThreadPoolExecutor workers;
  private final ServerMetrics metrics;
  private final HealthStatusManager health = new HealthStatusManager();
  private final EventLoopGroup boss;
  private final EventLoopGroup io;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final Object lock = new Object();
  private final List<AutoCloseable> owned = new ArrayList<>();
  private Server server;
  private Object socketKey;
  private InetSocketAddress metricsBound;
  private Thread hook;
  private boolean stopping;

  private DiffServer(ServeOptions options, Applier applier, Comparer comparer) {
    this.options = options;
    this.metrics = new ServerMetrics();
    BlockingQueue<Runnable> queue = options.maxQueued() == 0
        ? new SynchronousQueue<>()
        : new ArrayBlockingQueue<>(options.maxQueued());
    this.workers = new ThreadPoolExecutor(options.maxConcurrent(), options.maxConcurrent(),
        30, TimeUnit.SECONDS, queue, daemonThreads("layerd-diff"),
        new ThreadPoolExecutor.AbortPolicy());
    this.workers.allowCoreThreadTimeOut(true);
    this.endpoint = new DiffEndpoint(applier, comparer, workers, metrics);
    this.boss = new EpollEventLoopGroup(1, daemonThreads("layerd-grpc-accept"));
    this.io = new EpollEventLoopGroup(2, daemonThreads("layerd-grpc-io"));
  }

  /**
   * Starts serving on {@code options.socket()}: layers are applied by {@code applier} (normally
   * the diff service, which tries its differs in order); diffs are computed by {@code comparer};
   * when that is null, by the applier if it is also a {@link Comparer} (as the diff service is),
   * else refused with UNIMPLEMENTED. The applier and comparer read and write blobs
   * through whatever content store they were built with: {@link ContainerdContent} when {@code
   * options.containerdAddress()} is set.
   *
   * @throws dev.layerd.errdefs.FailedPreconditionException when another server answers on the
   *     socket or a non-socket file is in the way
   */
  public static DiffServer start(ServeOptions options, Applier applier, Comparer comparer)
      throws IOException {
    Objects.requireNonNull(applier, "applier");
    Comparer diffs = comparer != null ? comparer : applier instanceof Comparer c ? c : null;
    DiffServer s = new DiffServer(Objects.requireNonNull(options, "options"), applier, diffs);
    try {
      s.startServing();
    } catch (IOException | RuntimeException e) {
      s.stop(Duration.ZERO);
      throw e;
    }
    return s;
  }

  /**
   * Starts serving with the applier {@code applierFor} builds over the content store to use:
   * a {@link ContainerdContent} on {@code options.containerdAddress()} when that is set (the
   * server closes it when it stops), else {@code localStore}. When the applier is also a {@link
   * Comparer} (as the diff service is) it serves Diff too.
   *
   * @param localStore layerd's own store; may be null when a containerd address is given
   */
  public static DiffServer start(ServeOptions options,
      Function<ContentStore, ? extends Applier> applierFor, ContentStore localStore)
      throws IOException {
    ContainerdContent remote = options.containerdAddress() == null
        ? null : ContainerdContent.connect(options.containerdAddress());
    ContentStore content = remote != null ? remote : localStore;
    if (content == null) {
      throw new InvalidArgumentException(
          "no content store: give a containerd address or layerd's own store");
    }
    try {
      Applier applier = applierFor.apply(content);
      DiffServer s = new DiffServer(options, applier,
          applier instanceof Comparer c ? c : null);
      if (remote != null) {
        s.owned.add(remote);
      }
      try {
        s.startServing();
      } catch (IOException | RuntimeException e) {
        s.stop(Duration.ZERO);
        throw e;
      }
      return s;
    } catch (IOException | RuntimeException e) {
      if (remote != null) {
        remote.close();
      }
      throw e;
    }
  }

  private void startServing() throws IOException {
    Path socket = options.socket();
    UnixSocket.prepare(socket);
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(DIFF_SERVICE, ServingStatus.SERVING);
    server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(io)
        // TCP keepalive means nothing on a Unix socket; unset it instead of a warning per call.
        .withChildOption(ChannelOption.SO_KEEPALIVE, null)
        // Handlers only convert and hand work to the worker pool; they never block.
        .directExecutor()
        .addService(ServerInterceptors.intercept(endpoint,
            ContainerdHeaders.serverInterceptor()))
        .addService(health.getHealthService())
        .build()
        .start();
    socketKey = UnixSocket.fileKey(socket);
    UnixSocket.secure(socket, options.socketGroup());
    if (options.metricsAddress() != null) {
      metricsBound = metrics.serve(options.metricsAddress());
    }
    if (options.shutdownHook()) {
      hook = new Thread(this::shutdown, "layerd-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
    }
    log.info("serving containerd Diff API on {} with {} workers (content from {}){}",
        socket, options.maxConcurrent(),
        options.containerdAddress() == null
            ? "layerd's store" : "containerd at " + options.containerdAddress(),
        metricsBound == null ? "" : ", metrics on http://" + hostPort(metricsBound) + "/metrics");
  }

  /** The socket served on. */
  public Path socket() {
    return options.socket();
  }

  /** Where metrics are served (with the actual port when port 0 was asked for). */
  public Optional<InetSocketAddress> metricsAddress() {
    return Optional.ofNullable(metricsBound);
  }

  /** Layers applied successfully since start; lets a caller prove the server did the work. */
  public long appliedCount() {
    return endpoint.applied();
  }

  /** Prometheus text of the server's metrics, as served at {@code /metrics}. */
  public String scrapeMetrics() {
    return metrics.scrape();
  }

  /** Blocks until the server has stopped (by {@link #shutdown} or SIGTERM). */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  /**
   * Stops gracefully: refuses new calls, waits up to the grace period for calls in flight and
   * queued, cancels what is left, removes the socket. Idempotent; a second caller waits for the
   * first to finish.
   */
  public void shutdown() {
    stop(options.shutdownGrace());
  }

  @Override
  public void close() {
    shutdown();
  }

  private void stop(Duration grace) {
    synchronized (lock) {
      if (stopping) {
        awaitQuietly();
        return;
      }
      stopping = true;
    }
    try {
      health.enterTerminalState();
      long deadline = System.nanoTime() + grace.toNanos();
      if (server != null) {
        server.shutdown();
      }
      workers.shutdown();
      boolean clean = awaitUntil(deadline);
      if (!clean) {
        log.warn("requests still running after the {} s grace period; cancelling them",
            grace.toSeconds());
        if (server != null) {
          server.shutdownNow();
        }
        workers.shutdownNow();
        awaitUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
      }
      io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      if (socketKey != null) {
        UnixSocket.remove(options.socket(), socketKey);
      }
      metrics.close();
      for (AutoCloseable c : owned) {
        try {
          c.close();
        } catch (Exception e) {
          log.error("could not close {} while stopping; leaving it", c, e);
        }
      }
      removeHook();
      if (server != null) {
        log.info("stopped serving on {}", options.socket());
      }
    } finally {
      terminated.countDown();
    }
  }

  private boolean awaitUntil(long deadline) {
    try {
      long left = Math.max(0, deadline - System.nanoTime());
      boolean serverDone = server == null || server.awaitTermination(left, TimeUnit.NANOSECONDS);
      left = Math.max(0, deadline - System.nanoTime());
      return workers.awaitTermination(left, TimeUnit.NANOSECONDS) && serverDone;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void removeHook() {
    if (hook != null && Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down; the hook runs and finds the server stopped.
      }
    }
  }

  private void awaitQuietly() {
    try {
      terminated.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }

  /** Daemon threads named {@code prefix-N}. */
  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
