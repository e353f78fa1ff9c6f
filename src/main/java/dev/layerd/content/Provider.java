package dev.layerd.content;

import dev.layerd.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;

/**
 * Read access to verified blobs: the narrow view an applier needs. Implementations are
 * thread-safe. A missing blob is {@link dev.layerd.errdefs.NotFoundException} naming the digest.
 */
public interface Provider {

  /** Size, times and labels of a blob. */
  ContentInfo info(Digest digest) throws IOException;

  /** A stream over the whole blob; the caller closes it. */
  InputStream open(Digest digest) throws IOException;

  /** Random access to the blob; the caller closes it. */
  SeekableByteChannel openChannel(Digest digest) throws IOException;
}
