package dev.harbor.state.sqlite;

import dev.harbor.state.StorageException;
import dev.harbor.state.sql.MigrationPlan;
import dev.harbor.state.sql.MigrationPlan.Applied;
import dev.harbor.state.sql.MigrationPlan.Migration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forward-only schema migrations: SQL files shipped in the jar beside this class, applied in
 * version order under an exclusive transaction and recorded, with a SHA-256 checksum of their text,
 * in the ledger table {@value #LEDGER}. An applied migration that was edited, that this driver does
 * not know, or that is missing below a later applied one stops the open with a non-transient {@link
 * StorageException} that says what to do: the schema is not usable, which is how {@link
 * dev.harbor.state.spi.StateStoreProvider#open} reports it. Loading, checksums and that check are
 * the shared {@link MigrationPlan}; the transaction, the ledger's SQL and the statements are
 * SQLite's.
 *
 * <p>Files are named {@code V<4 digits>__<name>.sql}, numbered from 1 without gaps, and listed in
 * {@link #SHIPPED}. Each statement ends with a {@code ;} at the end of a line; lines starting with
 * {@code --} are comments.
 */
final class SqliteMigrations {

  /** The ledger table. */
  static final String LEDGER = MigrationPlan.LEDGER;

  /**
   * The migrations this driver ships, in order. Add a file here; never edit one that was released.
   */
  static final List<String> SHIPPED = List.of("V0001__init.sql", "V0002__purge_index.sql");

  /** Where the shipped migrations live, relative to this class. */
  static final String DIRECTORY = "migrations/";

  private static final Logger LOG = LoggerFactory.getLogger(SqliteMigrations.class);
  private static final String CREATE_LEDGER =
      "CREATE TABLE IF NOT EXISTS "
          + LEDGER
          + " ("
          + "version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)";
  private static final String LEDGER_EXISTS =
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
  private static final String READ_LEDGER =
      "SELECT version, name, checksum FROM " + LEDGER + " ORDER BY version";
  private static final String RECORD =
      "INSERT INTO " + LEDGER + " (version, name, checksum, applied_at)" + " VALUES (?, ?, ?, ?)";

  private final MigrationPlan plan;
  private final String database;

  /**
   * Migrations read from resources.
   *
   * @param anchor the class whose package holds {@code directory}
   * @param directory the resource directory, relative to {@code anchor}, ending in {@code /}
   * @param names the file names, in version order 1, 2, 3...
   * @param database the database for messages
   */
  SqliteMigrations(Class<?> anchor, String directory, List<String> names, String database) {
    this.database = database;
    this.plan = MigrationPlan.load(anchor, directory, names);
  }

  /**
   * The migrations this driver ships.
   *
   * @param database the database for messages
   * @return the migrations
   */
  static SqliteMigrations shipped(String database) {
    return new SqliteMigrations(SqliteMigrations.class, DIRECTORY, SHIPPED, database);
  }

  /**
   * The version a current schema has.
   *
   * @return the highest known version
   */
  int latestVersion() {
    return plan.latestVersion();
  }

  /**
   * Applies the pending migrations, each in the exclusive transaction that also reads and checks
   * the ledger, so that two stores opening one file at once apply each migration once. Reopening a
   * current database applies nothing and takes no write lock.
   *
   * @param c a connection in auto-commit mode, not in a transaction
   * @param clock stamps the ledger rows
   * @return the number of migrations applied
   * @throws StorageException if the ledger does not match the shipped migrations
   * @throws SQLException if SQLite fails
   */
  int apply(Connection c, Clock clock) throws SQLException {
    if (pending(readLedger(c)).isEmpty()) {
      return 0;
    }
    try (Statement s = c.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
      boolean committed = false;
      try {
        s.execute(CREATE_LEDGER);
        List<Migration> pending = pending(readLedger(c));
        for (Migration m : pending) {
          run(c, m, clock);
        }
        s.execute("COMMIT");
        committed = true;
        return pending.size();
      } finally {
        if (!committed) {
          rollbackQuietly(s);
        }
      }
    }
  }

  /**
   * Checks that the schema is current without changing anything.
   *
   * @param c a connection
   * @throws StorageException if the ledger does not match the shipped migrations or migrations are
   *     pending
   * @throws SQLException if SQLite fails
   */
  void verify(Connection c) throws SQLException {
    plan.requireCurrent(readLedger(c), "the schema of sqlite database " + database);
  }

  private void run(Connection c, Migration m, Clock clock) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String sql : statements(m.sql())) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new StorageException(
          "migration "
              + m.name()
              + " failed on sqlite database "
              + database
              + ": "
              + e.getMessage()
              + "; nothing of it was applied",
          false,
          e);
    }
    try (PreparedStatement p = c.prepareStatement(RECORD)) {
      p.setInt(1, m.version());
      p.setString(2, m.name());
      p.setString(3, m.checksum());
      p.setLong(4, SqliteStore.micros(clock.instant()));
      p.executeUpdate();
    }
    LOG.info("applied migration {} to sqlite database {}", m.name(), database);
  }

  /**
   * The migrations still to apply, after the shared check of the ledger (naming this database in
   * its messages).
   */
  private List<Migration> pending(List<Applied> applied) {
    return plan.pending(applied, "sqlite database " + database);
  }

  private List<Applied> readLedger(Connection c) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(LEDGER_EXISTS)) {
      p.setString(1, LEDGER);
      try (ResultSet rs = p.executeQuery()) {
        if (!rs.next()) {
          return List.of();
        }
      }
    }
    return MigrationPlan.readLedger(c, READ_LEDGER);
  }

  private static void rollbackQuietly(Statement s) {
    try {
      s.execute("ROLLBACK");
    } catch (SQLException e) {
      // SQLite already rolled back after the failure; the original failure is what the caller sees.
      LOG.debug("rollback after a failed migration reported: {}", e.getMessage());
    }
  }

  /** Splits a script at lines ending in {@code ;}, dropping {@code --} comment lines. */
  static List<String> statements(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        out.add(current.toString().strip());
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString().strip());
    }
    return out;
  }
}
