package dev.layerd.images;

import dev.layerd.errdefs.AlreadyExistsException;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Images in table {@code images}: name, target descriptor and labels as JSON text, times as
 * nanoseconds since the epoch.
 */
final class SqliteImageStore implements ImageStore {

  private final MetadataDatabase db;

  private SqliteImageStore(MetadataDatabase db) {
    this.db = db;
  }

  static SqliteImageStore open(MetadataDatabase db) throws IOException {
    db.transaction(
        c -> {
          try (Statement s = c.createStatement()) {
            s.executeUpdate(
                "CREATE TABLE IF NOT EXISTS images (name TEXT PRIMARY KEY,"
                    + " target TEXT NOT NULL, labels TEXT NOT NULL,"
                    + " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)");
          }
          return null;
        });
    return new SqliteImageStore(db);
  }

  @Override
  public Image get(String name) throws IOException {
    return db.transaction(
        c -> {
          Image image = find(c, name);
          if (image == null) {
            throw new NotFoundException("image " + name + " not found");
          }
          return image;
        });
  }

  @Override
  public List<Image> list() throws IOException {
    return db.transaction(
        c -> {
          List<Image> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(SELECT + " ORDER BY name");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(image(rs));
            }
          }
          return out;
        });
  }

  @Override
  public Image create(Image image) throws IOException {
    return db.transaction(
        c -> {
          if (find(c, image.name()) != null) {
            throw new AlreadyExistsException("image " + image.name() + " already exists");
          }
          return insert(c, image);
        });
  }

  @Override
  public Image update(Image image) throws IOException {
    return db.transaction(
        c -> {
          Image old = find(c, image.name());
          if (old == null) {
            throw new NotFoundException("image " + image.name() + " not found");
          }
          return replace(c, image, old.created());
        });
  }

  @Override
  public Image put(Image image) throws IOException {
    return db.transaction(
        c -> {
          Image old = find(c, image.name());
          return old == null ? insert(c, image) : replace(c, image, old.created());
        });
  }

  @Override
  public void delete(String name) throws IOException {
    db.transaction(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("DELETE FROM images WHERE name = ?")) {
            ps.setString(1, name);
            if (ps.executeUpdate() == 0) {
              throw new NotFoundException("image " + name + " not found");
            }
          }
          return null;
        });
  }

  private static final String SELECT =
      "SELECT name, target, labels, created_at, updated_at FROM images";

  private static Image find(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? image(rs) : null;
      }
    }
  }

  private static Image insert(Connection c, Image image) throws SQLException {
    Instant now = Instant.now();
    Image stored = new Image(image.name(), image.target(), now, now, image.labels());
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO images (name, target, labels, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, stored.name());
      ps.setString(2, json(stored.target()));
      ps.setString(3, Json.writeStringMap(stored.labels()));
      ps.setLong(4, nanos(now));
      ps.setLong(5, nanos(now));
      ps.executeUpdate();
    }
    return stored;
  }

  private static Image replace(Connection c, Image image, Instant created) throws SQLException {
    Instant now = Instant.now();
    Image stored = new Image(image.name(), image.target(), created, now, image.labels());
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE images SET target = ?, labels = ?, updated_at = ? WHERE name = ?")) {
      ps.setString(1, json(stored.target()));
      ps.setString(2, Json.writeStringMap(stored.labels()));
      ps.setLong(3, nanos(now));
      ps.setString(4, stored.name());
      ps.executeUpdate();
    }
    return stored;
  }

  private static Image image(ResultSet rs) throws SQLException {
    String name = rs.getString(1);
    Descriptor target =
        Json.parse(
            rs.getString(2).getBytes(StandardCharsets.UTF_8),
            Descriptor.class,
            "stored target of image " + name);
    Map<String, String> labels;
    try {
      labels = Json.parseStringMap(rs.getString(3), "stored labels of image " + name);
    } catch (InvalidArgumentException e) {
      throw new SQLException(e.getMessage(), e);
    }
    return new Image(name, target, instant(rs.getLong(4)), instant(rs.getLong(5)), labels);
  }

  private static String json(Descriptor value) {
    return new String(Json.write(value), StandardCharsets.UTF_8);
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }
}
