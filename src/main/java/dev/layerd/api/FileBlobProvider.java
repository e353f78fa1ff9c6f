package dev.layerd.api;

import dev.layerd.content.ContentInfo;
import dev.layerd.content.Provider;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.Map;

/** One file offered as a blob: hashed when made, then read by digest like a content store. */
final class FileBlobProvider implements Provider {
  private final Path file;
  private final Digest digest;
  private final long size;
  private final BasicFileAttributes attrs;

  private FileBlobProvider(Path file, Digest digest, long size, BasicFileAttributes attrs) {
    this.file = file;
    this.digest = digest;
    this.size = size;
    this.attrs = attrs;
  }

  static FileBlobProvider of(Path file) throws IOException {
    MessageDigest md = Digest.newSha256();
    long size = 0;
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
        size += n;
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw new NotFoundException("layer file " + file + " not found", e);
    }
    return new FileBlobProvider(
        file, Digest.fromSha256(md), size, Files.readAttributes(file, BasicFileAttributes.class));
  }

  Digest digest() {
    return digest;
  }

  long size() {
    return size;
  }

  private void check(Digest d) {
    if (!digest.equals(d)) {
      throw new NotFoundException("blob " + d + " not found (only " + file + ", " + digest + ")");
    }
  }

  @Override
  public ContentInfo info(Digest d) {
    check(d);
    return new ContentInfo(
        digest,
        size,
        attrs.creationTime().toInstant(),
        attrs.lastModifiedTime().toInstant(),
        Map.of());
  }

  @Override
  public InputStream open(Digest d) throws IOException {
    check(d);
    return Files.newInputStream(file);
  }

  @Override
  public SeekableByteChannel openChannel(Digest d) throws IOException {
    check(d);
    return FileChannel.open(file, StandardOpenOption.READ);
  }
}
