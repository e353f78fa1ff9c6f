package dev.layerd.images;

import dev.layerd.content.ContentStore;
import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.oci.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/** An OCI image layout directory: blobs are read on demand from {@code blobs/<alg>/<hex>}. */
final class LayoutDirectory implements BlobSource {
  private final Path root;
  private final ContentStore store;

  LayoutDirectory(Path root, ContentStore store) {
    this.root = root;
    this.store = store;
  }

  @Override
  public String archive() {
    return root.toString();
  }

  @Override
  public void ensure(Descriptor d) throws IOException {
    if (BlobSource.presentWithSize(store, d, archive())) {
      return;
    }
    String entry = "blobs/" + d.digest().algorithm() + "/" + d.digest().hex();
    try (InputStream in = Files.newInputStream(root.resolve(entry))) {
      store.ingest(d, in, Map.of());
    } catch (NoSuchFileException e) {
      throw BlobSource.missing(d, archive(), e);
    } catch (DigestMismatchException e) {
      throw BlobSource.inArchive(e, entry, archive());
    }
  }
}
