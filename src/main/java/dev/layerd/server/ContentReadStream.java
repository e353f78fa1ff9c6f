package dev.layerd.server;

import com.google.protobuf.ByteString;
import dev.layerd.io.InputStreams;
import dev.layerd.oci.Digest;
import dev.layerd.server.proto.content.v1.ContentGrpc;
import dev.layerd.server.proto.content.v1.ReadContentRequest;
import dev.layerd.server.proto.content.v1.ReadContentResponse;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;

/**
 * A blob read from containerd's {@code Content/Read} stream, from an offset to the end. The call
 * is made in the context that opened the stream (so it carries that call's namespace) and is
 * cancelled on close; chunks are pulled one at a time, so gRPC flow control bounds the memory.
 * A failure answered by containerd is thrown as the {@link dev.layerd.errdefs.LayerdException}
 * of its kind. Not thread-safe.
 */
final class ContentReadStream extends InputStream {
  private final Digest digest;
  private final Context.CancellableContext call;
  private final Iterator<ReadContentResponse> responses;
  private ByteString chunk = ByteString.EMPTY;
  private int chunkPos;
  private long position;
  private boolean closed;

  ContentReadStream(
      ContentGrpc.ContentBlockingStub stub, Context context, Digest digest, long offset) {
    this.digest = digest;
    this.position = offset;
    this.call = context.withCancellation();
    ReadContentRequest request =
        ReadContentRequest.newBuilder().setDigest(digest.toString()).setOffset(offset).build();
    Context previous = call.attach();
    try {
      this.responses = stub.read(request);
    } finally {
      call.detach(previous);
    }
  }

  /** Bytes from the start of the blob to the next byte this stream returns. */
  long position() {
    return position;
  }

  @Override
  public int read() throws IOException {
    return InputStreams.readOne(this);
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("read of " + digest + " from containerd after close");
    }
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, chunk.size() - chunkPos);
    chunk.copyTo(b, chunkPos, off, n);
    chunkPos += n;
    position += n;
    return n;
  }

  @Override
  public int available() {
    return chunk.size() - chunkPos;
  }

  private boolean fill() throws IOException {
    try {
      while (chunkPos >= chunk.size()) {
        if (!responses.hasNext()) {
          return false;
        }
        ReadContentResponse r = responses.next();
        chunk = r.getData();
        chunkPos = 0;
      }
      return true;
    } catch (StatusRuntimeException e) {
      // Unchecked, of containerd's kind: a layer reader that wraps I/O failures as "malformed
      // layer" must not turn an unavailable containerd into an invalid argument.
      throw GrpcErrors.fromStatus(e, "read " + digest + " at " + position + " from containerd");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      call.cancel(null);
    }
  }
}
