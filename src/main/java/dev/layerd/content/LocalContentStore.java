package dev.layerd.content;

import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blobs as files under {@code <root>/content/blobs/<alg>/<hex>}, metadata in SQLite.
 *
 * <p>Each write gets its own directory under {@code content/ingest/}, holds an advisory lock on
 * its data file while it runs, and ends with fsync and an atomic rename onto the blob's path.
 * Two writers of the same digest both rename identical bytes onto one name, so the last rename
 * wins harmlessly. The file's existence is the truth about a blob; the database row only adds
 * times and labels (a blob whose row is missing after a crash gets one on its next update).
 */
final class LocalContentStore implements ContentStore {
  private static final Logger log = LoggerFactory.getLogger(LocalContentStore.class);
  private static final int BUFFER = 256 * 1024;
  private static final String DATA = "data";

  private final Path blobs;
  private final Path ingest;
  private final MetadataDatabase db;

  private LocalContentStore(Path contentRoot, MetadataDatabase db) {
    this.blobs = contentRoot.resolve("blobs");
    this.ingest = contentRoot.resolve("ingest");
    this.db = db;
  }

  static LocalContentStore open(Path root, MetadataDatabase db) throws IOException {
    LocalContentStore store = new LocalContentStore(root.resolve("content"), db);
    Files.createDirectories(store.blobs);
    Files.createDirectories(store.ingest);
    db.transaction(
        c -> {
          try (Statement s = c.createStatement()) {
            s.executeUpdate(
                "CREATE TABLE IF NOT EXISTS content (digest TEXT PRIMARY KEY,"
                    + " size INTEGER NOT NULL, created_at INTEGER NOT NULL,"
                    + " updated_at INTEGER NOT NULL)");
            s.executeUpdate(
                "CREATE TABLE IF NOT EXISTS content_labels (digest TEXT NOT NULL"
                    + " REFERENCES content(digest) ON DELETE CASCADE, key TEXT NOT NULL,"
                    + " value TEXT NOT NULL, PRIMARY KEY (digest, key))");
          }
          return null;
        });
    Instant start = ProcessHandle.current().info().startInstant().orElse(Instant.now());
    store.cleanIngest(start);
    return store;
  }

  @Override
  public ContentInfo ingest(Descriptor expected, InputStream data, Map<String, String> labels)
      throws IOException {
    Digest digest = expected.digest();
    Path blob = blobPath(digest);
    if (Files.isRegularFile(blob)) {
      long size = Files.size(blob);
      if (size != expected.size()) {
        throw new DigestMismatchException(
            digest + " of size " + expected.size(), size + " bytes", "stored blob " + blob);
      }
      return record(digest, size, labels);
    }
    Path dir = Files.createTempDirectory(ingest, digest.shortHex() + "-");
    try {
      Path file = dir.resolve(DATA);
      var in = new VerifyingInputStream(data, expected, "ingest of " + digest);
      long size = copyLocked(in, file);
      commit(file, blob);
      log.debug("ingested {} ({} bytes)", digest, size);
      return record(digest, size, labels);
    } finally {
      deleteTree(dir);
    }
  }

  @Override
  public ContentInfo write(InputStream data, Map<String, String> labels) throws IOException {
    Path dir = Files.createTempDirectory(ingest, "write-");
    try {
      Path file = dir.resolve(DATA);
      var in = new java.security.DigestInputStream(data, Digest.newSha256());
      long size = copyLocked(in, file);
      MessageDigest md = in.getMessageDigest();
      Digest digest = Digest.fromSha256(md);
      commit(file, blobPath(digest));
      log.debug("wrote {} ({} bytes)", digest, size);
      return record(digest, size, labels);
    } finally {
      deleteTree(dir);
    }
  }

  @Override
  public boolean exists(Digest digest) {
    return Files.isRegularFile(blobPath(digest));
  }

  @Override
  public ContentInfo info(Digest digest) throws IOException {
    BasicFileAttributes attrs = stat(digest);
    return db.transaction(c -> read(c, digest, attrs));
  }

  @Override
  public InputStream open(Digest digest) throws IOException {
    try {
      return Files.newInputStream(blobPath(digest));
    } catch (NoSuchFileException e) {
      throw notFound(digest, e);
    }
  }

  @Override
  public SeekableByteChannel openChannel(Digest digest) throws IOException {
    try {
      return FileChannel.open(blobPath(digest), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw notFound(digest, e);
    }
  }

  @Override
  public ContentInfo updateLabels(Digest digest, Map<String, String> labels) throws IOException {
    BasicFileAttributes attrs = stat(digest);
    return db.transaction(
        c -> {
          ensureRow(c, digest, attrs.size(), attrs.lastModifiedTime().toInstant());
          applyLabels(c, digest, labels);
          touch(c, digest);
          return read(c, digest, attrs);
        });
  }

  @Override
  public List<ContentInfo> list() throws IOException {
    Map<Digest, BasicFileAttributes> files = new TreeMap<>();
    try (DirectoryStream<Path> algs = Files.newDirectoryStream(blobs)) {
      for (Path alg : algs) {
        try (DirectoryStream<Path> hexes = Files.newDirectoryStream(alg)) {
          for (Path p : hexes) {
            Digest d = parseOrNull(alg.getFileName() + ":" + p.getFileName());
            if (d != null) {
              files.put(d, Files.readAttributes(p, BasicFileAttributes.class));
            }
          }
        }
      }
    }
    return db.transaction(
        c -> {
          List<ContentInfo> out = new ArrayList<>(files.size());
          for (var e : files.entrySet()) {
            out.add(read(c, e.getKey(), e.getValue()));
          }
          return out;
        });
  }

  @Override
  public void delete(Digest digest) throws IOException {
    try {
      Files.delete(blobPath(digest));
    } catch (NoSuchFileException e) {
      throw notFound(digest, e);
    }
    db.transaction(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("DELETE FROM content WHERE digest = ?")) {
            ps.setString(1, digest.toString());
            ps.executeUpdate();
          }
          return null;
        });
    log.debug("deleted {}", digest);
  }

  /**
   * Removes ingest directories left by writers that died: those older than {@code before} whose
   * data file nobody holds locked. Returns how many were removed.
   */
  int cleanIngest(Instant before) throws IOException {
    int removed = 0;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(ingest)) {
      for (Path dir : dirs) {
        if (Files.getLastModifiedTime(dir).toInstant().isBefore(before) && abandoned(dir)) {
          deleteTree(dir);
          removed++;
        }
      }
    }
    if (removed > 0) {
      log.info("removed {} abandoned ingest directories under {}", removed, ingest);
    }
    return removed;
  }

  Path blobPath(Digest digest) {
    return blobs.resolve(digest.algorithm()).resolve(digest.hex());
  }

  private static boolean abandoned(Path dir) throws IOException {
    Path file = dir.resolve(DATA);
    if (!Files.exists(file)) {
      return true;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock()) {
      return lock != null;
    } catch (OverlappingFileLockException e) {
      return false;
    } catch (NoSuchFileException e) {
      return true;
    }
  }

  /** Copies {@code in} to a new {@code file} under an advisory lock, then syncs it. */
  private static long copyLocked(InputStream in, Path file) throws IOException {
    long size = 0;
    try (FileChannel ch =
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      byte[] buf = new byte[BUFFER];
      ByteBuffer bb = ByteBuffer.wrap(buf);
      int n;
      while ((n = in.read(buf)) >= 0) {
        bb.clear().limit(n);
        while (bb.hasRemaining()) {
          ch.write(bb);
        }
        size += n;
      }
      ch.force(true);
    }
    return size;
  }

  /** Atomically moves a synced file onto its blob path and syncs the directory entry. */
  private static void commit(Path file, Path blob) throws IOException {
    Path dir = blob.getParent();
    Files.createDirectories(dir);
    try {
      Files.move(file, blob, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      // Another writer committed the same digest first: identical bytes, nothing to do.
      return;
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /** Records a blob just written or found; does not stat it again (it may be deleted by now). */
  private ContentInfo record(Digest digest, long size, Map<String, String> labels)
      throws IOException {
    Instant now = Instant.now();
    return db.transaction(
        c -> {
          boolean inserted = ensureRow(c, digest, size, now);
          if (labels != null && !labels.isEmpty()) {
            applyLabels(c, digest, labels);
            if (!inserted) {
              touch(c, digest);
            }
          }
          return read(c, digest, size, now);
        });
  }

  private static boolean ensureRow(Connection c, Digest digest, long size, Instant created)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT OR IGNORE INTO content (digest, size, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?)")) {
      long t = nanos(created);
      ps.setString(1, digest.toString());
      ps.setLong(2, size);
      ps.setLong(3, t);
      ps.setLong(4, t);
      return ps.executeUpdate() > 0;
    }
  }

  private static void applyLabels(Connection c, Digest digest, Map<String, String> labels)
      throws SQLException {
    try (PreparedStatement set =
            c.prepareStatement(
                "INSERT OR REPLACE INTO content_labels (digest, key, value) VALUES (?, ?, ?)");
        PreparedStatement del =
            c.prepareStatement("DELETE FROM content_labels WHERE digest = ? AND key = ?")) {
      for (var e : labels.entrySet()) {
        if (e.getKey() == null || e.getKey().isEmpty()) {
          throw new dev.layerd.errdefs.InvalidArgumentException(
              "empty label key for " + digest);
        }
        if (e.getValue() == null) {
          del.setString(1, digest.toString());
          del.setString(2, e.getKey());
          del.executeUpdate();
        } else {
          set.setString(1, digest.toString());
          set.setString(2, e.getKey());
          set.setString(3, e.getValue());
          set.executeUpdate();
        }
      }
    }
  }

  private static void touch(Connection c, Digest digest) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE content SET updated_at = ? WHERE digest = ?")) {
      ps.setLong(1, nanos(Instant.now()));
      ps.setString(2, digest.toString());
      ps.executeUpdate();
    }
  }

  private static ContentInfo read(Connection c, Digest digest, BasicFileAttributes attrs)
      throws SQLException {
    return read(c, digest, attrs.size(), attrs.lastModifiedTime().toInstant());
  }

  /** Info from the database row, or {@code size} and {@code fallback} times when it has none. */
  private static ContentInfo read(Connection c, Digest digest, long size, Instant fallback)
      throws SQLException {
    Instant created = fallback;
    Instant updated = fallback;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT created_at, updated_at FROM content WHERE digest = ?")) {
      ps.setString(1, digest.toString());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          created = instant(rs.getLong(1));
          updated = instant(rs.getLong(2));
        }
      }
    }
    Map<String, String> labels = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement("SELECT key, value FROM content_labels WHERE digest = ?")) {
      ps.setString(1, digest.toString());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          labels.put(rs.getString(1), rs.getString(2));
        }
      }
    }
    return new ContentInfo(digest, size, created, updated, labels);
  }

  private BasicFileAttributes stat(Digest digest) throws IOException {
    try {
      return Files.readAttributes(blobPath(digest), BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw notFound(digest, e);
    }
  }

  private static NotFoundException notFound(Digest digest, Exception cause) {
    return new NotFoundException("content " + digest + " not found", cause);
  }

  private static Digest parseOrNull(String s) {
    try {
      return Digest.parse(s);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
        Math.floorMod(nanos, 1_000_000_000L));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
