package dev.layerd.images;

import java.io.IOException;
import java.util.List;

/**
 * Image records by name. Thread-safe; several processes may share one store.
 *
 * <p>The store keeps only the record: it neither checks nor keeps alive the content the target
 * names.
 */
public interface ImageStore {
  /** The image called {@code name}; not found when there is none. */
  Image get(String name) throws IOException;

  /** Every image, in name order. */
  List<Image> list() throws IOException;

  /**
   * Adds a new image, setting created and updated to now; already exists when the name is taken.
   */
  Image create(Image image) throws IOException;

  /**
   * Replaces target and labels of an existing image, keeping its created time and setting
   * updated to now; not found when there is none.
   */
  Image update(Image image) throws IOException;

  /** Creates the image, or updates it when the name exists already. */
  Image put(Image image) throws IOException;

  /** Removes the image record; not found when there is none. */
  void delete(String name) throws IOException;
}
