package dev.layerd.images;

import dev.layerd.metadata.MetadataDatabase;
import java.io.IOException;

/** Opens image stores. */
public final class ImageStores {
  private ImageStores() {}

  /**
   * The image store kept in {@code db}, table {@code images} (created if missing). The database
   * stays owned by the caller.
   */
  public static ImageStore open(MetadataDatabase db) throws IOException {
    return SqliteImageStore.open(db);
  }
}
