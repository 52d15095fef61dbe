package dev.harbor.state.sql;

import dev.harbor.state.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The forward-only migrations a SQL driver ships and their check against the database's ledger
 * {@value #LEDGER}: loading the SQL resources from a fixed index, their SHA-256 checksums, and
 * which migrations are pending. Locking, DDL and the ledger's SQL stay in each driver. Internal to
 * Harbor State: not an API, no compatibility promise.
 *
 * <p>Files are named {@code V<4 digits>__<name>.sql}, numbered from 1 without gaps. The checksum is
 * the SHA-256 of the file's UTF-8 text with CRLF line endings turned into LF, so a checkout with
 * other line endings ships the same value.
 */
public final class MigrationPlan {

  /** The ledger table both drivers keep: version, name, checksum and when it was applied. */
  public static final String LEDGER = "harbor_state_migrations";

  private static final Pattern NAME = Pattern.compile("V(\\d{4})__([A-Za-z0-9_]+)\\.sql");

  /**
   * One shipped migration.
   *
   * @param version its number, from 1
   * @param name its file name
   * @param sql its text, line endings normalized to LF
   * @param checksum the SHA-256 of that text in UTF-8, in hex
   */
  public record Migration(int version, String name, String sql, String checksum) {

    /**
     * Checks the components.
     *
     * @param version its number, from 1
     * @param name its file name
     * @param sql its text, line endings normalized to LF
     * @param checksum the SHA-256 of that text in UTF-8, in hex
     * @throws NullPointerException if a component is null
     */
    public Migration {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(sql, "sql");
      Objects.requireNonNull(checksum, "checksum");
    }
  }

  /**
   * One ledger row.
   *
   * @param version the migration's number
   * @param name its file name when it was applied
   * @param checksum its checksum when it was applied
   */
  public record Applied(int version, String name, String checksum) {}

  private final List<Migration> migrations;

  private MigrationPlan(List<Migration> migrations) {
    this.migrations = List.copyOf(migrations);
  }

  /**
   * Loads migrations from class-path resources: a fixed index rather than a scan, which jars and
   * module paths make fragile.
   *
   * @param anchor the class whose package holds {@code directory}
   * @param directory the resource directory relative to {@code anchor}, ending in {@code /}
   * @param names the file names, versions 1, 2, 3... in order
   * @return the plan
   * @throws IllegalStateException if a name is out of sequence or a file is missing or unreadable
   *     (a packaging error)
   */
  public static MigrationPlan load(Class<?> anchor, String directory, List<String> names) {
    List<Migration> loaded = new ArrayList<>();
    for (String name : names) {
      int version = loaded.size() + 1;
      Matcher m = NAME.matcher(name);
      if (!m.matches() || Integer.parseInt(m.group(1)) != version) {
        throw new IllegalStateException(
            "migration "
                + name
                + " must be named V"
                + String.format("%04d", version)
                + "__<name>.sql");
      }
      String text;
      try (InputStream in = anchor.getResourceAsStream(directory + name)) {
        if (in == null) {
          throw new IllegalStateException(
              "migration " + directory + name + " is missing from the class path");
        }
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
      } catch (IOException e) {
        throw new IllegalStateException("cannot read migration " + directory + name, e);
      }
      loaded.add(new Migration(version, name, text, sha256(text.getBytes(StandardCharsets.UTF_8))));
    }
    return new MigrationPlan(loaded);
  }

  /**
   * The migrations, in version order.
   *
   * @return the migrations
   */
  public List<Migration> migrations() {
    return migrations;
  }

  /**
   * The version a current schema has.
   *
   * @return the highest shipped version
   */
  public int latestVersion() {
    return migrations.size();
  }

  /**
   * The migrations still to apply, after checking that the applied ones are exactly the first
   * shipped ones, unchanged.
   *
   * @param applied the ledger, ordered by version
   * @param database the database for messages, such as {@code sqlite database /data/state.db}
   * @return the shipped migrations not yet applied, in order
   * @throws StorageException (not transient) if an applied migration is unknown to this driver, was
   *     edited after it was applied, or is missing below a later applied one; the message says what
   *     to do
   */
  public List<Migration> pending(List<Applied> applied, String database) {
    for (int i = 0; i < applied.size(); i++) {
      Applied a = applied.get(i);
      Migration m = i < migrations.size() ? migrations.get(i) : null;
      if (m == null || a.version() < m.version()) {
        throw new StorageException(
            database
                + " has migration "
                + a.name()
                + " (version "
                + a.version()
                + ") applied, which this driver does not know (it knows versions 1 to "
                + migrations.size()
                + "): the"
                + " database was migrated by a newer harbor-state; use that version or restore a backup",
            false,
            null);
      }
      if (a.version() > m.version()) {
        throw new StorageException(
            database
                + " is missing migration "
                + m.name()
                + " although later migration "
                + a.name()
                + " (version "
                + a.version()
                + ") is applied: the ledger "
                + LEDGER
                + " was altered, as "
                + m.name()
                + " is missing from it; restore the database from a backup",
            false,
            null);
      }
      if (!a.name().equals(m.name()) || !a.checksum().equals(m.checksum())) {
        throw new StorageException(
            "migration "
                + a.name()
                + " applied to "
                + database
                + " has checksum "
                + a.checksum()
                + ", but this driver ships "
                + m.name()
                + " with checksum "
                + m.checksum()
                + ": it was"
                + " edited after it was applied, and applied migrations must never be edited. Restore the original file"
                + " and put changes in a new migration, or restore the database from a backup",
            false,
            null);
      }
    }
    return migrations.subList(applied.size(), migrations.size());
  }

  /**
   * Reads the ledger.
   *
   * @param c a connection
   * @param select the driver's {@code SELECT version, name, checksum ... ORDER BY version} of its
   *     ledger
   * @return the rows, in version order
   * @throws SQLException if the database fails
   */
  public static List<Applied> readLedger(Connection c, String select) throws SQLException {
    List<Applied> applied = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(select)) {
      while (rs.next()) {
        applied.add(new Applied(rs.getInt(1), rs.getString(2), rs.getString(3)));
      }
    }
    return applied;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /**
   * Checks, changing nothing, that the ledger holds exactly the shipped migrations: what {@code
   * migrate=verify} requires before a store opens.
   *
   * @param applied the ledger, ordered by version
   * @param database the database for messages, such as {@code sqlite database /data/state.db}
   * @throws StorageException (not transient) as {@link #pending} does, or if migrations are
   *     pending; the message names them and says how to apply them
   */
  public void requireCurrent(List<Applied> applied, String database) {
    List<Migration> pending = pending(applied, database);
    if (!pending.isEmpty()) {
      throw new StorageException(
          database
              + " is not current: it is at version "
              + applied.size()
              + " but this driver needs version "
              + latestVersion()
              + " (pending: "
              + String.join(", ", pending.stream().map(Migration::name).toList())
              + "); migrate=verify runs no DDL: open it once with migrate=apply or run"
              + " 'harbor-state migrate'",
          false,
          null);
    }
  }
}
