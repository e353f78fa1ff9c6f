package dev.layerd.server;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's Prometheus metrics: Apply and Diff calls by differ and outcome with their
 * durations, compressed bytes read and uncompressed bytes produced, requests in flight and
 * queued, and failures by gRPC code. Served over HTTP at {@code /metrics} when an address is
 * given. Thread-safe.
 */
final class ServerMetrics implements AutoCloseable {
  static final String OK = "ok";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger queued = new AtomicInteger();
  private HttpServer http;

  ServerMetrics() {
    Gauge.builder("layerd.requests.inflight", inFlight, AtomicInteger::get)
        .description("Apply and Diff requests being worked on")
        .register(registry);
    Gauge.builder("layerd.requests.queued", queued, AtomicInteger::get)
        .description("Apply and Diff requests waiting for a worker")
        .register(registry);
  }

  AtomicInteger inFlight() {
    return inFlight;
  }

  AtomicInteger queued() {
    return queued;
  }

  /** Records one finished call of {@code method} ("apply" or "diff"). */
  void record(String method, String differ, Status.Code code, long nanos, long bytesIn,
      long bytesOut) {
    String outcome = code == Status.Code.OK ? OK : code.name().toLowerCase(Locale.ROOT);
    Timer.builder("layerd.diff." + method)
        .description("Diff service calls by differ and outcome")
        .tag("differ", differ)
        .tag("outcome", outcome)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
    if (bytesIn > 0) {
      Counter.builder("layerd.diff.bytes.in")
          .description("Bytes read: compressed layer bytes for apply, tree bytes for diff")
          .tag("method", method)
          .register(registry)
          .increment(bytesIn);
    }
    if (bytesOut > 0) {
      Counter.builder("layerd.diff.bytes.out")
          .description("Bytes produced: uncompressed layer size for apply, blob size for diff")
          .tag("method", method)
          .register(registry)
          .increment(bytesOut);
    }
    if (code != Status.Code.OK) {
      error(method, code);
    }
  }

  /** Counts a refused or failed call by its gRPC code. */
  void error(String method, Status.Code code) {
    Counter.builder("layerd.grpc.errors")
        .description("Failed calls by gRPC status code")
        .tag("method", method)
        .tag("code", code.name())
        .register(registry)
        .increment();
  }

  /** Prometheus text exposition of every metric. */
  String scrape() {
    return registry.scrape();
  }

  /** Serves {@link #scrape} at {@code http://address/metrics}; returns the bound address. */
  InetSocketAddress serve(InetSocketAddress address) throws IOException {
    http = HttpServer.create(address, 16);
    http.createContext("/metrics", exchange -> {
      try (exchange) {
        if (!exchange.getRequestMethod().equals("GET")
            && !exchange.getRequestMethod().equals("HEAD")) {
          exchange.sendResponseHeaders(405, -1);
          return;
        }
        byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders()
            .set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(200, head ? -1 : body.length);
        if (!head) {
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        }
      }
    });
    http.start();
    return http.getAddress();
  }

  @Override
  public void close() {
    if (http != null) {
      http.stop(0);
      http = null;
    }
    registry.close();
  }
}
