package dev.harbor.state.sqlite;

import dev.harbor.state.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forward-only schema migrations: SQL files shipped in the jar beside this class, applied in version order under an
 * exclusive transaction and recorded, with a SHA-256 checksum of their text, in the ledger table
 * {@value #LEDGER}. An applied migration that was edited, that this driver does not know, or that is missing below a
 * later applied one stops the open with a non-transient {@link StorageException} that says what to do: the schema is
 * not usable, which is how {@link dev.harbor.state.spi.StateStoreProvider#open} reports it.
 *
 * <p>Files are named {@code V<4 digits>__<name>.sql}, numbered from 1 without gaps, and listed in {@link #SHIPPED}.
 * Each statement ends with a {@code ;} at the end of a line; lines starting with {@code --} are comments.
 */
final class Migrations {

  /** The ledger table. */
  static final String LEDGER = "harbor_state_migrations";

  /** The migrations this driver ships, in order. Add a file here; never edit one that was released. */
  static final List<String> SHIPPED = List.of("V0001__init.sql");

  /** Where the shipped migrations live, relative to this class. */
  static final String DIRECTORY = "migrations/";

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  private static final Pattern NAME = Pattern.compile("V(\\d{4})__([A-Za-z0-9_]+)\\.sql");
  private static final String CREATE_LEDGER = "CREATE TABLE IF NOT EXISTS " + LEDGER + " ("
      + "version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)";
  private static final String LEDGER_EXISTS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
  private static final String READ_LEDGER = "SELECT version, name, checksum FROM " + LEDGER + " ORDER BY version";
  private static final String RECORD = "INSERT INTO " + LEDGER + " (version, name, checksum, applied_at)"
      + " VALUES (?, ?, ?, ?)";

  /**
   * One migration file.
   *
   * @param version its number, from 1
   * @param name its file name
   * @param statements its SQL statements, in order
   * @param checksum the SHA-256 of its text (line endings normalized), in hex
   */
  record Migration(int version, String name, List<String> statements, String checksum) {}

  /** A ledger row. */
  private record Applied(int version, String name, String checksum) {}

  private final List<Migration> migrations;
  private final String database;

  /**
   * Migrations read from resources.
   *
   * @param anchor the class whose package holds {@code directory}
   * @param directory the resource directory, relative to {@code anchor}, ending in {@code /}
   * @param names the file names, in version order 1, 2, 3...
   * @param database the database for messages
   */
  Migrations(Class<?> anchor, String directory, List<String> names, String database) {
    this.database = database;
    List<Migration> loaded = new ArrayList<>();
    for (String name : names) {
      loaded.add(load(anchor, directory, name, loaded.size() + 1));
    }
    this.migrations = List.copyOf(loaded);
  }

  /**
   * The migrations this driver ships.
   *
   * @param database the database for messages
   * @return the migrations
   */
  static Migrations shipped(String database) {
    return new Migrations(Migrations.class, DIRECTORY, SHIPPED, database);
  }

  /**
   * The version a current schema has.
   *
   * @return the highest known version
   */
  int latestVersion() {
    return migrations.size();
  }

  /**
   * Applies the pending migrations, each in the exclusive transaction that also reads and checks the ledger, so that
   * two stores opening one file at once apply each migration once. Reopening a current database applies nothing and
   * takes no write lock.
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
   * @throws StorageException if the ledger does not match the shipped migrations or migrations are pending
   * @throws SQLException if SQLite fails
   */
  void verify(Connection c) throws SQLException {
    List<Applied> applied = readLedger(c);
    List<Migration> pending = pending(applied);
    if (!pending.isEmpty()) {
      throw new StorageException("the schema of sqlite database " + database + " is at version " + applied.size()
          + " but this driver needs version " + latestVersion() + " (pending: " + names(pending) + "); migrate=verify"
          + " changes nothing: open it once with migrate=apply or run 'harbor-state migrate'", false, null);
    }
  }

  private void run(Connection c, Migration m, Clock clock) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String sql : m.statements()) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new StorageException("migration " + m.name() + " failed on sqlite database " + database + ": "
          + e.getMessage() + "; nothing of it was applied", false, e);
    }
    try (PreparedStatement p = c.prepareStatement(RECORD)) {
      p.setInt(1, m.version());
      p.setString(2, m.name());
      p.setString(3, m.checksum());
      p.setLong(4, SqliteStateStore.micros(clock.instant()));
      p.executeUpdate();
    }
    LOG.info("applied migration {} to sqlite database {}", m.name(), database);
  }

  /** The migrations still to apply, after checking that the applied ones are exactly a prefix of the known ones. */
  private List<Migration> pending(List<Applied> applied) {
    Map<Integer, Applied> byVersion = new TreeMap<>();
    applied.forEach(a -> byVersion.put(a.version(), a));
    int highest = applied.isEmpty() ? 0 : applied.get(applied.size() - 1).version();
    for (Applied a : applied) {
      if (a.version() < 1 || a.version() > migrations.size()) {
        throw new StorageException("sqlite database " + database + " has migration " + a.name() + " (version "
            + a.version() + ") applied, which this driver does not know (it knows versions 1 to "
            + migrations.size() + "): the database was migrated by a newer harbor-state; use that version or"
            + " restore a backup", false, null);
      }
      Migration known = migrations.get(a.version() - 1);
      if (!known.name().equals(a.name()) || !known.checksum().equals(a.checksum())) {
        throw new StorageException("migration " + a.name() + " applied to sqlite database " + database
            + " has checksum " + a.checksum() + ", but this driver ships " + known.name() + " with checksum "
            + known.checksum() + ": a migration was edited after it was applied. Migrations are forward-only:"
            + " restore the original file and put changes in a new migration, or restore the database from a"
            + " backup", false, null);
      }
    }
    List<Migration> pending = new ArrayList<>();
    for (Migration m : migrations) {
      if (byVersion.containsKey(m.version())) {
        continue;
      }
      if (m.version() < highest) {
        throw new StorageException("migration " + m.name() + " is missing from the ledger of sqlite database "
            + database + " although version " + highest + " is applied: the ledger was altered; restore the"
            + " database from a backup", false, null);
      }
      pending.add(m);
    }
    return pending;
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
    List<Applied> applied = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(READ_LEDGER)) {
      while (rs.next()) {
        applied.add(new Applied(rs.getInt(1), rs.getString(2), rs.getString(3)));
      }
    }
    return applied;
  }

  private static void rollbackQuietly(Statement s) {
    try {
      s.execute("ROLLBACK");
    } catch (SQLException e) {
      // SQLite already rolled back after the failure; the original failure is what the caller sees.
      LOG.debug("rollback after a failed migration reported: {}", e.getMessage());
    }
  }

  private static String names(List<Migration> ms) {
    return String.join(", ", ms.stream().map(Migration::name).toList());
  }

  private static Migration load(Class<?> anchor, String directory, String name, int expectedVersion) {
    Matcher m = NAME.matcher(name);
    if (!m.matches() || Integer.parseInt(m.group(1)) != expectedVersion) {
      throw new IllegalStateException("migration " + name + " must be named V" + String.format("%04d",
          expectedVersion) + "__<name>.sql");
    }
    String text;
    try (InputStream in = anchor.getResourceAsStream(directory + name)) {
      if (in == null) {
        throw new IllegalStateException("migration " + directory + name + " is missing from the class path");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration " + directory + name, e);
    }
    return new Migration(expectedVersion, name, statements(text), sha256(text));
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

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
