package dev.layerd.testing;

import dev.layerd.errdefs.AlreadyExistsException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.images.Image;
import dev.layerd.images.ImageStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Image records in memory, for unit tests. */
public final class FakeImageStore implements ImageStore {
  private final Map<String, Image> images = new TreeMap<>();

  @Override
  public synchronized Image get(String name) {
    Image i = images.get(name);
    if (i == null) {
      throw new NotFoundException("image " + name + " not found");
    }
    return i;
  }

  @Override
  public synchronized List<Image> list() {
    return List.copyOf(images.values());
  }

  @Override
  public synchronized Image create(Image image) {
    if (images.containsKey(image.name())) {
      throw new AlreadyExistsException("image " + image.name() + " already exists");
    }
    return put(image);
  }

  @Override
  public synchronized Image update(Image image) {
    Image old = get(image.name());
    Image n = new Image(image.name(), image.target(), old.created(), Instant.now(), image.labels());
    images.put(n.name(), n);
    return n;
  }

  @Override
  public synchronized Image put(Image image) {
    Image old = images.get(image.name());
    Instant created = old == null ? Instant.now() : old.created();
    Image n = new Image(image.name(), image.target(), created, Instant.now(), image.labels());
    images.put(n.name(), n);
    return n;
  }

  @Override
  public synchronized void delete(String name) {
    if (images.remove(name) == null) {
      throw new NotFoundException("image " + name + " not found");
    }
  }
}
