package dev.layerd.server;

import dev.layerd.oci.Digest;
import dev.layerd.server.proto.content.v1.ContentGrpc;
import io.grpc.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * Random read access to a blob in containerd's content store: sequential reads share one
 * {@code Content/Read} stream; a seek elsewhere starts a new stream at the new position. Read-only,
 * not thread-safe.
 */
final class ContentReadChannel implements SeekableByteChannel {
  private final ContentGrpc.ContentBlockingStub stub;
  private final Context context;
  private final Digest digest;
  private final long size;
  private ContentReadStream stream;
  private long position;
  private boolean open = true;

  ContentReadChannel(
      ContentGrpc.ContentBlockingStub stub, Context context, Digest digest, long size) {
    this.stub = stub;
    this.context = context;
    this.digest = digest;
    this.size = size;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    ensureOpen();
    if (position >= size) {
      return -1;
    }
    if (stream == null || stream.position() != position) {
      closeStream();
      stream = new ContentReadStream(stub, context, digest, position);
    }
    int want = (int) Math.min(dst.remaining(), size - position);
    byte[] buf = new byte[Math.min(want, 1 << 16)];
    int n = stream.read(buf, 0, buf.length);
    if (n < 0) {
      throw new IOException(
          "containerd ended " + digest + " at " + position + " of " + size + " bytes");
    }
    dst.put(buf, 0, n);
    position += n;
    return n;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() throws IOException {
    ensureOpen();
    return position;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    ensureOpen();
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position " + newPosition);
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() throws IOException {
    ensureOpen();
    return size;
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
    closeStream();
  }

  private void closeStream() {
    if (stream != null) {
      stream.close();
      stream = null;
    }
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!open) {
      throw new ClosedChannelException();
    }
  }
}
