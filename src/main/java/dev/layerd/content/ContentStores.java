package dev.layerd.content;

import dev.layerd.metadata.MetadataDatabase;
import java.io.IOException;
import java.nio.file.Path;

/** Opens content stores. */
public final class ContentStores {
  private ContentStores() {}

  /**
   * Opens the local store under {@code root} ({@code <root>/content/blobs}, {@code
   * <root>/content/ingest}), keeping metadata in {@code db} (tables {@code content} and {@code
   * content_labels}, created if missing). Ingest directories left by writers that died before
   * this process started are removed. The database stays owned by the caller.
   */
  public static ContentStore open(Path root, MetadataDatabase db) throws IOException {
    return LocalContentStore.open(root, db);
  }
}
