package dev.layerd.server;

import dev.layerd.content.ContentInfo;
import dev.layerd.content.Provider;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;

/** Layers built in code, and an in-memory provider to serve them. */
final class TestLayers {
  private TestLayers() {}

  /** A gzip layer blob, its digest, and the diffID of its tar. */
  record Layer(byte[] blob, Digest digest, Digest diffId) {}

  /** A gzip layer of regular files (path to text), directories made as needed, mode 0644. */
  static Layer layer(Map<String, String> files) throws IOException {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, String> f : files.entrySet()) {
        String name = f.getKey();
        int slash = name.lastIndexOf('/');
        if (slash > 0) {
          TarArchiveEntry dir = new TarArchiveEntry(name.substring(0, slash + 1));
          dir.setMode(040755);
          out.putArchiveEntry(dir);
          out.closeArchiveEntry();
        }
        byte[] data = f.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0100644);
        e.setSize(data.length);
        e.setModTime(Instant.parse("2024-01-01T00:00:00Z").toEpochMilli());
        out.putArchiveEntry(e);
        out.write(data);
        out.closeArchiveEntry();
      }
    }
    return fromTar(tar.toByteArray());
  }

  static Layer fromTar(byte[] tar) throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(tar);
    }
    byte[] blob = gz.toByteArray();
    return new Layer(blob, Digest.sha256(blob), Digest.sha256(tar));
  }

  /** Blobs by digest, in memory; does not check what it is given. */
  static final class MemoryProvider implements Provider {
    final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();

    void put(Digest digest, byte[] blob) {
      blobs.put(digest, blob);
    }

    void put(Layer layer) {
      blobs.put(layer.digest(), layer.blob());
    }

    private byte[] get(Digest digest) {
      byte[] b = blobs.get(digest);
      if (b == null) {
        throw new NotFoundException("blob " + digest + " not found");
      }
      return b;
    }

    @Override
    public ContentInfo info(Digest digest) {
      return new ContentInfo(digest, get(digest).length, Instant.EPOCH, Instant.EPOCH, Map.of());
    }

    @Override
    public InputStream open(Digest digest) {
      return new ByteArrayInputStream(get(digest));
    }

    @Override
    public SeekableByteChannel openChannel(Digest digest) {
      return new SeekableInMemoryByteChannel(get(digest));
    }
  }
}
