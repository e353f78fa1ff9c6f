package dev.layerd.testing;

import dev.layerd.content.ContentInfo;
import dev.layerd.content.ContentStore;
import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** An in-memory content store for unit tests. */
public final class FakeContentStore implements ContentStore {
  private final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<Digest, Map<String, String>> labels = new ConcurrentHashMap<>();

  /** Stores {@code data} and returns its descriptor with {@code mediaType}. */
  public Descriptor put(String mediaType, byte[] data) {
    Digest d = Digest.sha256(data);
    blobs.put(d, data.clone());
    labels.putIfAbsent(d, Map.of());
    return new Descriptor(mediaType, d, data.length);
  }

  public Map<String, String> labels(Digest d) {
    return labels.getOrDefault(d, Map.of());
  }

  private byte[] get(Digest d) {
    byte[] b = blobs.get(d);
    if (b == null) {
      throw new NotFoundException("content " + d + " not found");
    }
    return b;
  }

  @Override
  public ContentInfo info(Digest digest) {
    byte[] b = get(digest);
    return new ContentInfo(digest, b.length, Instant.EPOCH, Instant.EPOCH, labels(digest));
  }

  @Override
  public InputStream open(Digest digest) {
    return new ByteArrayInputStream(get(digest));
  }

  @Override
  public SeekableByteChannel openChannel(Digest digest) {
    throw new UnsupportedOperationException("not needed by the tests");
  }

  @Override
  public ContentInfo ingest(Descriptor expected, InputStream data, Map<String, String> l)
      throws IOException {
    byte[] b = data.readAllBytes();
    Digest d = Digest.sha256(b);
    if (!d.equals(expected.digest())) {
      throw new DigestMismatchException(expected.digest().toString(), d.toString(), "ingest");
    }
    blobs.put(d, b);
    labels.put(d, Map.copyOf(l));
    return info(d);
  }

  @Override
  public ContentInfo write(InputStream data, Map<String, String> l) throws IOException {
    byte[] b = data.readAllBytes();
    Digest d = Digest.sha256(b);
    blobs.put(d, b);
    labels.merge(
        d,
        Map.copyOf(l),
        (a, c) -> {
          Map<String, String> m = new HashMap<>(a);
          m.putAll(c);
          return Map.copyOf(m);
        });
    return info(d);
  }

  @Override
  public boolean exists(Digest digest) {
    return blobs.containsKey(digest);
  }

  @Override
  public synchronized ContentInfo updateLabels(Digest digest, Map<String, String> update) {
    get(digest);
    Map<String, String> m = new HashMap<>(labels(digest));
    update.forEach(
        (k, v) -> {
          if (v == null) {
            m.remove(k);
          } else {
            m.put(k, v);
          }
        });
    labels.put(digest, Map.copyOf(m));
    return info(digest);
  }

  @Override
  public List<ContentInfo> list() {
    List<ContentInfo> out = new ArrayList<>();
    for (Digest d : blobs.keySet()) {
      out.add(info(d));
    }
    return out;
  }

  @Override
  public void delete(Digest digest) {
    if (blobs.remove(digest) == null) {
      throw new NotFoundException("content " + digest + " not found");
    }
    labels.remove(digest);
  }
}
