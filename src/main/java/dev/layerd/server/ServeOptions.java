package dev.layerd.server;

import dev.layerd.errdefs.InvalidArgumentException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@code layerd serve} runs.
 *
 * @param socket the Unix socket to serve the Diff API on (default {@code
 *     /run/layerd/layerd.sock}); created mode 0600, or 0660 with {@code socketGroup}
 * @param containerdAddress containerd's socket: when set, layer blobs are read from containerd's
 *     content service and diffs written back into it; when null, layerd's own content store serves
 * @param socketGroup group that may use the socket, by name or number; null for root only
 * @param metricsAddress where to serve Prometheus metrics at {@code /metrics}; null for none
 * @param maxConcurrent requests worked on at once (default: twice the processors, 2 to 16)
 * @param maxQueued requests waiting for a worker beyond those; more are refused with
 *     RESOURCE_EXHAUSTED (default 1024)
 * @param shutdownGrace how long a stop waits for requests in flight (default 30 s)
 * @param shutdownHook stop gracefully on SIGTERM/SIGINT (JVM shutdown); the CLI sets it
 */
public record ServeOptions(
    Path socket,
    Path containerdAddress,
    String socketGroup,
    InetSocketAddress metricsAddress,
    int maxConcurrent,
    int maxQueued,
    Duration shutdownGrace,
    boolean shutdownHook) {
  public static final Path DEFAULT_SOCKET = Path.of("/run/layerd/layerd.sock");

  public ServeOptions {
    Objects.requireNonNull(socket, "socket");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    if (maxConcurrent < 1) {
      throw new InvalidArgumentException("max concurrent requests must be at least 1: "
          + maxConcurrent);
    }
    if (maxQueued < 0) {
      throw new InvalidArgumentException("max queued requests must not be negative: " + maxQueued);
    }
    if (shutdownGrace.isNegative()) {
      throw new InvalidArgumentException("negative shutdown grace " + shutdownGrace);
    }
    if (socketGroup != null && socketGroup.isEmpty()) {
      socketGroup = null;
    }
  }

  public static ServeOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The socket path of an address as {@code layerd serve --address} takes it: {@code
   * unix:///run/layerd/layerd.sock}, {@code unix:/path} or a plain absolute path.
   */
  public static Path parseAddress(String address) {
    String path = address;
    if (address.startsWith("unix://")) {
      path = address.substring("unix://".length());
    } else if (address.startsWith("unix:")) {
      path = address.substring("unix:".length());
    } else if (address.contains("://")) {
      throw new InvalidArgumentException("unsupported address " + address
          + ": layerd serves on a Unix socket (unix:///path)");
    }
    if (!path.startsWith("/")) {
      throw new InvalidArgumentException("socket address must be an absolute path: " + address);
    }
    return Path.of(path);
  }

  /** {@code HOST:PORT} (IPv6 as {@code [::1]:PORT}) as an unresolved-free socket address. */
  public static InetSocketAddress parseHostPort(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      throw new InvalidArgumentException("metrics address must be HOST:PORT: " + hostPort);
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new InvalidArgumentException("bad port in metrics address " + hostPort, e);
    }
    if (port < 0 || port > 65535) {
      throw new InvalidArgumentException("port out of range in metrics address " + hostPort);
    }
    return new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port);
  }

  /** Builder for {@link ServeOptions}; every setter returns this. */
  public static final class Builder {
    private Path socket = DEFAULT_SOCKET;
    private Path containerdAddress;
    private String socketGroup;
    private InetSocketAddress metricsAddress;
    private int maxConcurrent =
        Math.clamp(Runtime.getRuntime().availableProcessors() * 2L, 2, 16);
    private int maxQueued = 1024;
    private Duration shutdownGrace = Duration.ofSeconds(30);
    private boolean shutdownHook;

    private Builder() {}

    public Builder socket(Path socket) {
      this.socket = Objects.requireNonNull(socket);
      return this;
    }

    /** As {@link #socket}, from {@code unix:///path} or a path. */
    public Builder address(String address) {
      this.socket = parseAddress(address);
      return this;
    }

    public Builder containerdAddress(Path containerdAddress) {
      this.containerdAddress = containerdAddress;
      return this;
    }

    public Builder socketGroup(String socketGroup) {
      this.socketGroup = socketGroup;
      return this;
    }

    public Builder metricsAddress(InetSocketAddress metricsAddress) {
      this.metricsAddress = metricsAddress;
      return this;
    }

    public Builder maxConcurrent(int maxConcurrent) {
      this.maxConcurrent = maxConcurrent;
      return this;
    }

    public Builder maxQueued(int maxQueued) {
      this.maxQueued = maxQueued;
      return this;
    }

    public Builder shutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = shutdownGrace;
      return this;
    }

    public Builder shutdownHook(boolean shutdownHook) {
      this.shutdownHook = shutdownHook;
      return this;
    }

    public ServeOptions build() {
      return new ServeOptions(socket, containerdAddress, socketGroup, metricsAddress,
          maxConcurrent, maxQueued, shutdownGrace, shutdownHook);
    }
  }
}
