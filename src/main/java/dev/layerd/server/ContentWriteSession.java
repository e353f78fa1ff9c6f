package dev.layerd.server;

import com.google.protobuf.ByteString;
import dev.layerd.errdefs.AlreadyExistsException;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.server.proto.content.v1.ContentGrpc;
import dev.layerd.server.proto.content.v1.WriteAction;
import dev.layerd.server.proto.content.v1.WriteContentRequest;
import dev.layerd.server.proto.content.v1.WriteContentResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One {@code Content/Write} stream: the blob's bytes as WRITE messages at increasing offsets, then
 * a COMMIT carrying the expected digest, total size and labels. containerd answers every message
 * and verifies the digest at commit. Sending waits for the transport to be ready, so a slow
 * containerd holds back the reader instead of filling memory. Used from one thread.
 */
final class ContentWriteSession implements ClientResponseObserver<WriteContentRequest,
    WriteContentResponse> {
  static final int CHUNK = 1 << 20;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private ClientCallStreamObserver<WriteContentRequest> requests;
  private WriteContentResponse last;
  private Throwable failure;
  private boolean done;

  /**
   * What was committed: the blob's digest (as expected, or computed here) and size; {@code
   * existed} when containerd already had the blob and kept its copy.
   */
  record Written(Digest digest, long size, boolean existed) {}

  /**
   * Writes {@code data} under ingest {@code ref} and commits it, as {@code expected} when given
   * (containerd then refuses content that does not match), else as the sha256 computed while
   * sending. Reads {@code data} to its end without closing it. A failure answered by containerd
   * is thrown as the matching {@link dev.layerd.errdefs.LayerdException}.
   */
  static Written write(ContentGrpc.ContentStub stub, String ref, Descriptor expected,
      InputStream data, Map<String, String> labels) throws IOException {
    ContentWriteSession session = new ContentWriteSession();
    stub.write(session);
    try {
      return session.run(ref, expected, data, labels);
    } catch (IOException | RuntimeException e) {
      session.requests.cancel("write under " + ref + " abandoned", e);
      throw e;
    }
  }

  private Written run(String ref, Descriptor expected, InputStream data,
      Map<String, String> labels) throws IOException {
    String what = "write " + (expected == null ? "under " + ref : expected.digest().toString())
        + " to containerd";
    MessageDigest sha256 = Digest.newSha256();
    byte[] buf = new byte[CHUNK];
    long offset = 0;
    while (true) {
      int n = data.readNBytes(buf, 0, buf.length);
      if (n == 0) {
        break;
      }
      sha256.update(buf, 0, n);
      WriteContentRequest.Builder chunk = WriteContentRequest.newBuilder()
          .setAction(WriteAction.WRITE)
          .setRef(ref)
          .setOffset(offset)
          .setData(ByteString.copyFrom(buf, 0, n));
      if (expected != null) {
        chunk.setTotal(expected.size()).setExpected(expected.digest().toString());
      }
      try {
        send(chunk.build(), what);
      } catch (AlreadyExistsException e) {
        if (expected == null) {
          throw e;
        }
        data.transferTo(java.io.OutputStream.nullOutputStream());
        return new Written(expected.digest(), expected.size(), true);
      }
      offset += n;
    }
    Digest digest = expected == null ? Digest.fromSha256(sha256) : expected.digest();
    long total = expected == null ? offset : expected.size();
    try {
      send(WriteContentRequest.newBuilder()
          .setAction(WriteAction.COMMIT)
          .setRef(ref)
          .setTotal(total)
          .setExpected(digest.toString())
          .setOffset(offset)
          .putAllLabels(labels)
          .build(), what);
      requests.onCompleted();
      awaitEnd(what);
    } catch (AlreadyExistsException e) {
      return new Written(digest, total, true);
    }
    return new Written(digest, total, false);
  }

  private void send(WriteContentRequest request, String what) throws IOException {
    lock.lock();
    try {
      while (!requests.isReady() && failure == null && !done) {
        changed.await();
      }
      if (failure != null) {
        throw GrpcErrors.fromStatus(failure, what);
      }
      if (done) {
        throw new IOException(what + ": containerd ended the stream early");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(what + " interrupted");
    } finally {
      lock.unlock();
    }
    requests.onNext(request);
  }

  private WriteContentResponse awaitEnd(String what) throws IOException {
    lock.lock();
    try {
      while (!done && failure == null) {
        changed.await();
      }
      if (failure != null) {
        throw GrpcErrors.fromStatus(failure, what);
      }
      if (last == null || last.getAction() != WriteAction.COMMIT) {
        throw new IOException(what + ": containerd did not confirm the commit");
      }
      return last;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(what + " interrupted");
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<WriteContentRequest> requestStream) {
    this.requests = requestStream;
    requestStream.setOnReadyHandler(this::signal);
  }

  @Override
  public void onNext(WriteContentResponse value) {
    lock.lock();
    try {
      last = value;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onError(Throwable t) {
    lock.lock();
    try {
      failure = t;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onCompleted() {
    lock.lock();
    try {
      done = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
