package dev.layerd.diff;

import dev.layerd.content.ContentInfo;
import dev.layerd.content.Provider;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Blobs in memory; {@link #corrupt} serves other bytes under a digest, as a bad disk would. */
final class MemoryProvider implements Provider {
  private final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();

  /** Stores {@code data} and returns its descriptor with {@code mediaType}. */
  Descriptor put(String mediaType, byte[] data) {
    Digest d = Digest.sha256(data);
    blobs.put(d, data.clone());
    return new Descriptor(mediaType, d, data.length);
  }

  void corrupt(Digest digest, byte[] replacement) {
    blobs.put(digest, replacement.clone());
  }

  @Override
  public ContentInfo info(Digest digest) {
    byte[] b = blob(digest);
    return new ContentInfo(digest, b.length, Instant.EPOCH, Instant.EPOCH, Map.of());
  }

  @Override
  public InputStream open(Digest digest) {
    return new ByteArrayInputStream(blob(digest));
  }

  @Override
  public SeekableByteChannel openChannel(Digest digest) {
    throw new UnsupportedOperationException("not needed by the differs");
  }

  private byte[] blob(Digest digest) {
    byte[] b = blobs.get(digest);
    if (b == null) {
      throw new NotFoundException("blob " + digest + " not found");
    }
    return b;
  }
}
