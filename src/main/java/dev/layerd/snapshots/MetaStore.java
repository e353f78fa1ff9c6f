package dev.layerd.snapshots;

import dev.layerd.errdefs.AlreadyExistsException;
import dev.layerd.errdefs.NotFoundException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The SQL behind one snapshotter's metadata. Every table is keyed by the snapshotter's name, so
 * several backends share one database. Methods run inside the caller's transaction.
 */
final class MetaStore {
  private static final String[] SCHEMA = {
    """
    CREATE TABLE IF NOT EXISTS snapshots (
      snapshotter TEXT NOT NULL,
      id INTEGER NOT NULL,
      name TEXT NOT NULL,
      parent_id INTEGER,
      kind TEXT NOT NULL CHECK (kind IN ('view', 'active', 'committed')),
      created_ns INTEGER NOT NULL,
      updated_ns INTEGER NOT NULL,
      usage_size INTEGER NOT NULL DEFAULT -1,
      usage_inodes INTEGER NOT NULL DEFAULT -1,
      PRIMARY KEY (snapshotter, id),
      UNIQUE (snapshotter, name),
      FOREIGN KEY (snapshotter, parent_id) REFERENCES snapshots (snapshotter, id)
    )""",
    """
    CREATE INDEX IF NOT EXISTS snapshots_parent ON snapshots (snapshotter, parent_id)""",
    """
    CREATE TABLE IF NOT EXISTS snapshot_labels (
      snapshotter TEXT NOT NULL,
      id INTEGER NOT NULL,
      label TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (snapshotter, id, label),
      FOREIGN KEY (snapshotter, id) REFERENCES snapshots (snapshotter, id) ON DELETE CASCADE
    )""",
    """
    CREATE TABLE IF NOT EXISTS snapshot_sequences (
      snapshotter TEXT PRIMARY KEY,
      last_id INTEGER NOT NULL
    )"""
  };

  private static final String SELECT =
      """
      SELECT s.id, s.name, s.parent_id, p.name, s.kind, s.created_ns, s.updated_ns,
             s.usage_size, s.usage_inodes
      FROM snapshots s LEFT JOIN snapshots p
        ON p.snapshotter = s.snapshotter AND p.id = s.parent_id
      WHERE s.snapshotter = ?""";

  private final String snapshotter;

  MetaStore(String snapshotter) {
    this.snapshotter = snapshotter;
  }

  void init(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String sql : SCHEMA) {
        s.execute(sql);
      }
    }
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT OR IGNORE INTO snapshot_sequences (snapshotter, last_id) VALUES (?, 0)")) {
      p.setString(1, snapshotter);
      p.executeUpdate();
    }
  }

  /** The row for {@code name}, or {@link NotFoundException}. */
  Row get(Connection c, String name) throws SQLException {
    Row r = find(c, name);
    if (r == null) {
      throw new NotFoundException("snapshot " + name + " does not exist in " + snapshotter);
    }
    return r;
  }

  Row find(Connection c, String name) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(SELECT + " AND s.name = ?")) {
      p.setString(1, snapshotter);
      p.setString(2, name);
      List<Row> rows = read(c, p);
      return rows.isEmpty() ? null : rows.getFirst();
    }
  }

  Row byId(Connection c, long id) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(SELECT + " AND s.id = ?")) {
      p.setString(1, snapshotter);
      p.setLong(2, id);
      List<Row> rows = read(c, p);
      return rows.isEmpty() ? null : rows.getFirst();
    }
  }

  List<Row> all(Connection c) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(SELECT + " ORDER BY s.id")) {
      p.setString(1, snapshotter);
      return read(c, p);
    }
  }

  /** The ids of {@code row}'s ancestors, nearest first. */
  List<Long> ancestors(Connection c, Row row) throws SQLException {
    List<Long> ids = new ArrayList<>();
    if (row.parentId() == 0) {
      return ids;
    }
    try (PreparedStatement p =
        c.prepareStatement(
            """
            WITH RECURSIVE chain(id, parent_id, depth) AS (
              SELECT id, parent_id, 0 FROM snapshots WHERE snapshotter = ?1 AND id = ?2
              UNION ALL
              SELECT s.id, s.parent_id, chain.depth + 1 FROM snapshots s
                JOIN chain ON s.snapshotter = ?1 AND s.id = chain.parent_id
            )
            SELECT id FROM chain ORDER BY depth""")) {
      p.setString(1, snapshotter);
      p.setLong(2, row.parentId());
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
        }
      }
    }
    return ids;
  }

  boolean hasChildren(Connection c, long id) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT 1 FROM snapshots WHERE snapshotter = ? AND parent_id = ? LIMIT 1")) {
      p.setString(1, snapshotter);
      p.setLong(2, id);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Inserts a new snapshot with a fresh id, which is returned. Ids are never reused. */
  long insert(Connection c, String name, long parentId, Kind kind, Map<String, String> labels,
      Instant now) throws SQLException {
    if (find(c, name) != null) {
      throw new AlreadyExistsException("snapshot " + name + " already exists in " + snapshotter);
    }
    long id;
    try (PreparedStatement p =
        c.prepareStatement(
            "UPDATE snapshot_sequences SET last_id = last_id + 1 WHERE snapshotter = ?"
                + " RETURNING last_id")) {
      p.setString(1, snapshotter);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        id = rs.getLong(1);
      }
    }
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO snapshots (snapshotter, id, name, parent_id, kind, created_ns,"
                + " updated_ns) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      p.setString(1, snapshotter);
      p.setLong(2, id);
      p.setString(3, name);
      if (parentId == 0) {
        p.setNull(4, java.sql.Types.INTEGER);
      } else {
        p.setLong(4, parentId);
      }
      p.setString(5, kind.name().toLowerCase(Locale.ROOT));
      p.setLong(6, nanos(now));
      p.setLong(7, nanos(now));
      p.executeUpdate();
    }
    setLabels(c, id, labels);
    return id;
  }

  /** Turns the active row {@code id} into the committed snapshot {@code name}. */
  void commit(Connection c, long id, String name, long parentId, Map<String, String> labels,
      long size, long inodes, Instant now) throws SQLException {
    if (find(c, name) != null) {
      throw new AlreadyExistsException("snapshot " + name + " already exists in " + snapshotter);
    }
    try (PreparedStatement p =
        c.prepareStatement(
            "UPDATE snapshots SET name = ?, parent_id = ?, kind = 'committed', updated_ns = ?,"
                + " usage_size = ?, usage_inodes = ? WHERE snapshotter = ? AND id = ?")) {
      p.setString(1, name);
      if (parentId == 0) {
        p.setNull(2, java.sql.Types.INTEGER);
      } else {
        p.setLong(2, parentId);
      }
      p.setLong(3, nanos(now));
      p.setLong(4, size);
      p.setLong(5, inodes);
      p.setString(6, snapshotter);
      p.setLong(7, id);
      p.executeUpdate();
    }
    setLabels(c, id, labels);
  }

  void setLabels(Connection c, long id, Map<String, String> labels) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("DELETE FROM snapshot_labels WHERE snapshotter = ? AND id = ?")) {
      p.setString(1, snapshotter);
      p.setLong(2, id);
      p.executeUpdate();
    }
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO snapshot_labels (snapshotter, id, label, value) VALUES (?, ?, ?, ?)")) {
      for (Map.Entry<String, String> e : labels.entrySet()) {
        p.setString(1, snapshotter);
        p.setLong(2, id);
        p.setString(3, e.getKey());
        p.setString(4, e.getValue());
        p.addBatch();
      }
      p.executeBatch();
    }
  }

  void touch(Connection c, long id, Instant now) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "UPDATE snapshots SET updated_ns = ? WHERE snapshotter = ? AND id = ?")) {
      p.setLong(1, nanos(now));
      p.setString(2, snapshotter);
      p.setLong(3, id);
      p.executeUpdate();
    }
  }

  void delete(Connection c, long id) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("DELETE FROM snapshots WHERE snapshotter = ? AND id = ?")) {
      p.setString(1, snapshotter);
      p.setLong(2, id);
      p.executeUpdate();
    }
  }

  private List<Row> read(Connection c, PreparedStatement p) throws SQLException {
    List<Object[]> raw = new ArrayList<>();
    try (ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        raw.add(
            new Object[] {
              rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5),
              rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9)
            });
      }
    }
    Map<Long, Map<String, String>> labels = raw.size() == 1 ? labels(c, (long) raw.get(0)[0])
        : raw.isEmpty() ? Map.of() : labels(c, -1);
    List<Row> rows = new ArrayList<>(raw.size());
    for (Object[] r : raw) {
      long id = (long) r[0];
      rows.add(
          new Row(
              id,
              (String) r[1],
              (long) r[2],
              (String) r[3],
              Kind.valueOf(((String) r[4]).toUpperCase(Locale.ROOT)),
              labels.getOrDefault(id, Map.of()),
              instant((long) r[5]),
              instant((long) r[6]),
              (long) r[7],
              (long) r[8]));
    }
    return rows;
  }

  /** Labels of snapshot {@code id}, or of all snapshots when {@code id} is negative. */
  private Map<Long, Map<String, String>> labels(Connection c, long id) throws SQLException {
    String sql = "SELECT id, label, value FROM snapshot_labels WHERE snapshotter = ?"
        + (id < 0 ? "" : " AND id = ?");
    Map<Long, Map<String, String>> out = new HashMap<>();
    try (PreparedStatement p = c.prepareStatement(sql)) {
      p.setString(1, snapshotter);
      if (id >= 0) {
        p.setLong(2, id);
      }
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(rs.getLong(1), k -> new LinkedHashMap<>())
              .put(rs.getString(2), rs.getString(3));
        }
      }
    }
    return out;
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private static Instant instant(long ns) {
    return Instant.ofEpochSecond(
        Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L));
  }
}
