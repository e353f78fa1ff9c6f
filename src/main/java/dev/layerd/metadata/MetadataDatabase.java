package dev.layerd.metadata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * The SQLite database at {@code <root>/metadata.db}, shared by the content, image and snapshot
 * stores. WAL mode so readers in other processes never block; a busy timeout so two processes on
 * one root wait for each other instead of failing. Within one process, work is serialized on one
 * connection: metadata changes are a few per layer, never the bottleneck.
 *
 * <p>Thread-safe. Each store creates its own tables with {@link #transaction}.
 */
public final class MetadataDatabase implements AutoCloseable {
  /** Work done inside one transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection c) throws SQLException, IOException;
  }

  private final Path file;
  private final Connection connection;
  private final ReentrantLock lock = new ReentrantLock();

  private MetadataDatabase(Path file, Connection connection) {
    this.file = file;
    this.connection = connection;
  }

  /** Opens (creating if needed) the database file and its parent directory. */
  public static MetadataDatabase open(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
    cfg.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    cfg.setBusyTimeout(30_000);
    cfg.enforceForeignKeys(true);
    try {
      // Auto-commit stays on between transactions: the driver's manual-commit mode begins the
      // next transaction right after each commit, which would hold the write lock while idle and
      // lock every other process out. transaction() issues BEGIN IMMEDIATE itself.
      Connection c = cfg.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
      return new MetadataDatabase(file, c);
    } catch (SQLException e) {
      throw new IOException("failed to open metadata database " + file + ": " + e.getMessage(), e);
    }
  }

  public Path file() {
    return file;
  }

  /**
   * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
   * SQL failures surface as {@link IOException} naming the database file.
   */
  public <T> T transaction(Work<T> work) throws IOException {
    lock.lock();
    try {
      // IMMEDIATE takes the write lock at BEGIN, so two processes never deadlock upgrading a read.
      exec("BEGIN IMMEDIATE");
      T result = work.run(connection);
      exec("COMMIT");
      return result;
    } catch (SQLException e) {
      rollback(e);
      throw new IOException("metadata database " + file + ": " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      rollback(e);
      throw e;
    } finally {
      lock.unlock();
    }
  }

  private void exec(String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  private void rollback(Exception cause) {
    try {
      if (!connection.isClosed()) {
        exec("ROLLBACK");
      }
    } catch (SQLException r) {
      // "no transaction is active" when BEGIN itself failed: nothing to undo.
      if (!String.valueOf(r.getMessage()).contains("no transaction")) {
        cause.addSuppressed(r);
      }
    }
  }

  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      connection.close();
    } catch (SQLException e) {
      throw new IOException("failed to close " + file, e);
    } finally {
      lock.unlock();
    }
  }
}
