package dev.harbor.state.sqlite;

import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.sql.RecordRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * One read transaction on a connection of its own: the state of the database when it began, for a
 * snapshot of the store ({@link dev.harbor.state.spi.StoreSnapshot}).
 *
 * <p>A file database in WAL mode: a deferred {@code BEGIN} and a first read pin the snapshot; every
 * later read of the transaction sees the database as of that read while the writer commits beside
 * it. The cost: a checkpoint cannot copy back past the oldest open read transaction, so the WAL
 * file grows with what is written until the snapshot ends. The connection is not one of the read
 * pool's, so a long export takes no reader from the store's other calls.
 *
 * <p>An in-memory database has one connection, the writer's: the snapshot copies the database into
 * a private temporary file (owner-only, deleted on close), holding back writes while it copies, and
 * reads the copy.
 *
 * <p>Once a read fails the snapshot is spent: SQLite may have ended the transaction, and a later
 * read would silently see a newer state. Used by one thread at a time (the core serializes a
 * snapshot's calls).
 */
final class SqliteSnapshot implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteSnapshot.class);

  /** Reads that pin the transaction's snapshot: a read of the records table starts it. */
  private static final String PIN =
      "SELECT count(*) FROM (SELECT 1 FROM " + RecordRows.TABLE + " LIMIT 1)";

  /** Read work on the snapshot's statements. */
  @FunctionalInterface
  interface Query<T> {
    T run(SqliteStore.Prepared statements) throws SQLException;
  }

  private final Connection connection;
  private final @Nullable Path copy;
  private final SqliteErrors errors;
  private final String database;
  private final Map<String, PreparedStatement> prepared = new HashMap<>();
  private @Nullable StateStoreException failed;

  private SqliteSnapshot(
      Connection connection, @Nullable Path copy, SqliteErrors errors, String database) {
    this.connection = connection;
    this.copy = copy;
    this.errors = errors;
    this.database = database;
  }

  /**
   * Begins a snapshot of the database.
   *
   * @param db the store's database
   * @param database the database's description, for messages
   * @return the open snapshot
   * @throws StateStoreException if SQLite cannot open or begin it
   */
  static SqliteSnapshot open(SqliteDatabase db, String database) {
    Path copy = null;
    Connection c = null;
    try {
      if (db.inMemory()) {
        copy = Files.createTempFile("harbor-state-snapshot", ".db"); // owner-only, empty
        db.copyInto(copy);
        c = connectCopy(copy);
      } else {
        c = db.connectReader();
      }
      try (Statement s = c.createStatement()) {
        s.execute("BEGIN");
        try (ResultSet rs = s.executeQuery(PIN)) {
          rs.next();
        }
      }
      return new SqliteSnapshot(c, copy, db.errors(), database);
    } catch (SQLException e) {
      release(c, copy);
      throw db.errors().map(e, "snapshot");
    } catch (IOException e) {
      release(c, copy);
      throw new StorageException(
          "cannot create the temporary copy for a snapshot of sqlite database " + database,
          false,
          e);
    } catch (RuntimeException | Error e) {
      release(c, copy);
      throw e;
    }
  }

  private static Connection connectCopy(Path file) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    return config.createConnection("jdbc:sqlite:" + file);
  }

  /**
   * Runs read work in the snapshot's transaction.
   *
   * @param operation what is being done, for messages
   * @param work the work
   * @return the work's result
   * @throws StateStoreException if it fails, or an earlier read did
   */
  <T> T read(String operation, Query<T> work) {
    StateStoreException earlier = failed;
    if (earlier != null) {
      throw new StorageException(
          "an earlier read of this snapshot of sqlite database "
              + database
              + " failed, so it cannot go on; open a new snapshot",
          false,
          earlier);
    }
    try {
      return work.run(this::statement);
    } catch (SQLException e) {
      StateStoreException mapped = errors.map(e, operation);
      failed = mapped;
      throw mapped;
    }
  }

  /** The statement of this SQL on the snapshot's connection, prepared once. */
  private PreparedStatement statement(String sql) throws SQLException {
    PreparedStatement p = prepared.get(sql);
    if (p == null) {
      p = connection.prepareStatement(sql);
      prepared.put(sql, p);
    }
    return p;
  }

  /** Ends the transaction and closes the connection (which ends it in any case). */
  @Override
  public void close() {
    for (PreparedStatement p : prepared.values()) {
      try {
        p.close();
      } catch (SQLException e) {
        LOG.debug("closing a snapshot statement failed: {}", e.getMessage());
      }
    }
    prepared.clear();
    try (Statement s = connection.createStatement()) {
      s.execute("ROLLBACK");
    } catch (SQLException e) {
      LOG.debug("ending a snapshot of sqlite database {}: {}", database, e.getMessage());
    }
    release(connection, copy);
  }

  private static void release(@Nullable Connection c, @Nullable Path copy) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        LOG.warn("closing a snapshot's sqlite connection failed: {}", e.getMessage());
      }
    }
    if (copy != null) {
      try {
        Files.deleteIfExists(copy);
      } catch (IOException e) {
        LOG.warn("deleting a snapshot's temporary copy {} failed: {}", copy, e.getMessage());
      }
    }
  }
}
