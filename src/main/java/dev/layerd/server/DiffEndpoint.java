package dev.layerd.server;

import dev.layerd.diff.Applier;
import dev.layerd.diff.ApplyOptions;
import dev.layerd.diff.Comparer;
import dev.layerd.diff.DiffOptions;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.mount.Mount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.MediaTypes;
import dev.layerd.server.proto.diff.v1.ApplyRequest;
import dev.layerd.server.proto.diff.v1.ApplyResponse;
import dev.layerd.server.proto.diff.v1.DiffGrpc;
import dev.layerd.server.proto.diff.v1.DiffRequest;
import dev.layerd.server.proto.diff.v1.DiffResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * containerd's {@code Diff} service over layerd's {@link Applier} and {@link Comparer}: converts
 * the wire types, runs the work on the bounded worker pool, and answers failures with the status
 * code of their error kind. Each failure is logged here, once, with the layer digest and the
 * mounts.
 *
 * <p>Requests beyond the pool's workers wait in its queue; when the queue is full too the call is
 * refused at once with RESOURCE_EXHAUSTED, which containerd reports rather than retries. A call
 * cancelled while it waits is dropped without being worked on.
 */
final class DiffEndpoint extends DiffGrpc.DiffImplBase {
  private static final Logger log = LoggerFactory.getLogger(DiffEndpoint.class);

  private final Applier applier;
  private final Comparer comparer;
  private final ExecutorService workers;
  private final ServerMetrics metrics;
  private final AtomicLong applied = new AtomicLong();

  DiffEndpoint(Applier applier, Comparer comparer, ExecutorService workers,
      ServerMetrics metrics) {
    this.applier = applier;
    this.comparer = comparer;
    this.workers = workers;
    this.metrics = metrics;
  }

  /** Layers applied successfully since start. */
  long applied() {
    return applied.get();
  }

  @Override
  public void apply(ApplyRequest request, StreamObserver<ApplyResponse> response) {
    dispatch("apply", response, () -> doApply(request, response));
  }

  @Override
  public void diff(DiffRequest request, StreamObserver<DiffResponse> response) {
    dispatch("diff", response, () -> doDiff(request, response));
  }

  private void dispatch(String method, StreamObserver<?> response, Runnable work) {
    Context context = Context.current();
    metrics.queued().incrementAndGet();
    Runnable task = () -> {
      metrics.queued().decrementAndGet();
      if (context.isCancelled()) {
        metrics.error(method, Status.Code.CANCELLED);
        log.debug("{} cancelled by the caller while queued", method);
        return;
      }
      metrics.inFlight().incrementAndGet();
      try {
        work.run();
      } finally {
        metrics.inFlight().decrementAndGet();
      }
    };
    try {
      workers.execute(context.wrap(task));
    } catch (RejectedExecutionException e) {
      metrics.queued().decrementAndGet();
      metrics.error(method, Status.Code.RESOURCE_EXHAUSTED);
      log.warn("{} refused: all workers busy and the queue is full", method);
      response.onError(Status.RESOURCE_EXHAUSTED
          .withDescription("layerd is busy: all workers and queue slots are taken; retry later")
          .asRuntimeException());
    }
  }

  private void doApply(ApplyRequest request, StreamObserver<ApplyResponse> response) {
    long start = System.nanoTime();
    // the differ that took the layer, for the metrics; the service itself when none did
    AtomicReference<String> differ = new AtomicReference<>(applier.name());
    LongAccumulator bytesIn = new LongAccumulator(Math::max, 0);
    String layer = request.hasDiff() ? request.getDiff().getDigest() : "(no descriptor)";
    String mounts = Protos.rawSummary(request.getMountsList());
    try {
      if (!request.hasDiff()) {
        throw new InvalidArgumentException("apply request has no layer descriptor");
      }
      Descriptor desc = Protos.descriptor(request.getDiff(), "apply");
      if (!MediaTypes.isLayer(desc.mediaType())) {
        // The differs sniff the compression and would take any blob; containerd's refuse a
        // media type that is not a layer's as not implemented, so a caller may try another.
        throw new NotImplementedException("apply " + desc.digest() + ": media type \""
            + desc.mediaType() + "\" is not a layer media type");
      }
      List<Mount> parsed = Protos.mounts(request.getMountsList());
      if (parsed.isEmpty()) {
        throw new InvalidArgumentException("apply " + desc.digest() + ": no mounts to apply onto");
      }
      mounts = Protos.summary(parsed);
      ApplyOptions options = new ApplyOptions(request.getParallel(), request.getSyncFs(),
          bytesIn::accumulate, Protos.payloads(request.getPayloadsMap()));

      Descriptor result = applier.apply(desc, parsed, options, differ::set);

      applied.incrementAndGet();
      long nanos = System.nanoTime() - start;
      metrics.record("apply", differ.get(), Status.Code.OK, nanos, bytesIn.get(), result.size());
      log.debug("applied {} ({}, {} bytes) onto {} as {} in {} ms", desc.digest(),
          desc.mediaType(), desc.size(), mounts, result.digest(), nanos / 1_000_000);
      response.onNext(ApplyResponse.newBuilder().setApplied(Protos.descriptor(result)).build());
      response.onCompleted();
    } catch (Throwable t) {
      Status status = GrpcErrors.toStatus(t);
      metrics.record("apply", differ.get(), status.getCode(), System.nanoTime() - start,
          bytesIn.get(), 0);
      logFailure("apply " + layer + " onto " + mounts, status, t);
      response.onError(status.asRuntimeException());
      rethrowFatal(t);
    }
  }

  private void doDiff(DiffRequest request, StreamObserver<DiffResponse> response) {
    long start = System.nanoTime();
    String mounts = "left " + Protos.rawSummary(request.getLeftList())
        + "; right " + Protos.rawSummary(request.getRightList());
    try {
      if (comparer == null) {
        throw new NotImplementedException("diff: layerd serves Apply only; no comparer is set up");
      }
      List<Mount> left = Protos.mounts(request.getLeftList());
      List<Mount> right = Protos.mounts(request.getRightList());
      if (right.isEmpty()) {
        throw new InvalidArgumentException("diff: no mounts for the upper (right) side");
      }
      mounts = "left " + Protos.summary(left) + "; right " + Protos.summary(right);
      DiffOptions options = new DiffOptions(request.getMediaType(), request.getRef(),
          request.getLabelsMap(),
          request.hasSourceDateEpoch() ? Protos.instant(request.getSourceDateEpoch()) : null);

      Descriptor result = comparer.compare(left, right, options);

      long nanos = System.nanoTime() - start;
      metrics.record("diff", "layerd", Status.Code.OK, nanos, 0, result.size());
      log.debug("diff of {} written as {} in {} ms", mounts, result, nanos / 1_000_000);
      response.onNext(DiffResponse.newBuilder().setDiff(Protos.descriptor(result)).build());
      response.onCompleted();
    } catch (Throwable t) {
      Status status = GrpcErrors.toStatus(t);
      metrics.record("diff", "layerd", status.getCode(), System.nanoTime() - start, 0, 0);
      logFailure("diff " + mounts, status, t);
      response.onError(status.asRuntimeException());
      rethrowFatal(t);
    }
  }

  /** The caller has its answer; the JVM's own failures still end the worker. */
  private static void rethrowFatal(Throwable t) {
    if (t instanceof VirtualMachineError e) {
      throw e;
    }
  }

  private static void logFailure(String what, Status status, Throwable t) {
    String ns = ContainerdHeaders.namespace();
    switch (status.getCode()) {
      // The caller's mistake or a refusal by design: no stack trace needed.
      case INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, UNIMPLEMENTED,
          CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, PERMISSION_DENIED ->
          log.warn("{} (namespace {}) failed: {}: {}", what, ns, status.getCode(),
              t.getMessage());
      default -> log.warn("{} (namespace {}) failed: {}", what, ns, status.getCode(), t);
    }
  }
}
