package dev.harbor.state.postgres;

import dev.harbor.state.StorageException;
import dev.harbor.state.sql.MigrationPlan;
import dev.harbor.state.sql.MigrationPlan.Applied;
import dev.harbor.state.sql.MigrationPlan.Migration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small forward-only migration runner of our own (a library must not impose a Flyway or Liquibase
 * version on its host application). Migrations are SQL resources beside this class, listed in
 * {@link #INDEX}; each applied one is recorded in the schema's {@code harbor_state_migrations}
 * ledger with the SHA-256 of its text. All of it runs in one transaction under a transaction-scoped
 * advisory lock per schema, so any number of nodes may open the store at once against an empty
 * database: one applies, the others wait and then find the schema current. Loading, checksums and
 * the check of the ledger are the shared {@link MigrationPlan}; the lock, the DDL and the ledger's
 * SQL are here.
 */
final class PgMigrations {

  /**
   * The migrations, in order. A fixed list rather than a class-path scan, which jars and module
   * paths make fragile.
   */
  static final List<String> INDEX = List.of("V0001__init.sql", "V0002__purge_index.sql");

  private static final String SCHEMA_PLACEHOLDER = "${schema}";

  /** The shipped migrations, with {@code ${schema}} where the schema goes. */
  private static final Logger LOG = LoggerFactory.getLogger(PgMigrations.class);

  static final MigrationPlan PLAN = MigrationPlan.load(PgMigrations.class, "migrations/", INDEX);

  private PgMigrations() {}

  /**
   * Brings the schema up to date: creates it and the ledger if missing, checks the ledger and
   * applies what is pending.
   *
   * @param c a connection in autocommit mode; left in autocommit mode
   * @param schema the schema's name
   * @param quoted the schema as a quoted identifier
   * @throws SQLException on a database failure
   * @throws StorageException if the ledger does not match the migrations of this driver
   */
  static void apply(Connection c, String schema, String quoted) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      c.setAutoCommit(false);
      try {
        List<Migration> applied = applyLocked(c, schema, quoted);
        c.commit();
        for (Migration m : applied) {
          LOG.info("applied migration {} to postgres schema {}", m.name(), schema);
        }
        return;
      } catch (SQLException e) {
        c.rollback();
        String state = PgErrors.state(e);
        // Someone without our lock (another tool, an operator) created the schema at the same
        // moment.
        boolean raced =
            state.equals(PgErrors.DUPLICATE_SCHEMA) || state.equals(PgErrors.UNIQUE_VIOLATION);
        if (!raced || attempt >= 3) {
          throw e;
        }
        LOG.debug("retrying the migrations of schema {}: {}", schema, PgErrors.reason(e));
      } catch (RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  private static List<Migration> applyLocked(Connection c, String schema, String quoted)
      throws SQLException {
    try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      lock.setLong(1, SlotLocks.migrationKey(schema));
      lock.execute();
    }
    // DDL over a large table (an index build) takes as long as it takes: operationTimeout, which
    // the transaction's first statement set, must not cancel it, or a store that needs the
    // migration could never open. Its lock waits stay bounded (lock_timeout).
    try (Statement s = c.createStatement()) {
      s.execute("SELECT set_config('statement_timeout', '0', true)");
    }
    // Checked before CREATE SCHEMA: a user may use an existing schema without the right to create
    // schemas.
    if (!schemaExists(c, schema)) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA " + quoted);
      }
    }
    if (!ledgerExists(c, quoted)) {
      try (Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE "
                + quoted
                + "."
                + PgSql.MIGRATIONS
                + " (version INTEGER PRIMARY KEY,"
                + " name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
      }
    }
    List<Migration> pending = pending(schema, readLedger(c, quoted));
    for (Migration m : pending) {
      try (Statement s = c.createStatement()) {
        s.execute(m.sql().replace(SCHEMA_PLACEHOLDER, quoted));
      }
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO "
                  + quoted
                  + "."
                  + PgSql.MIGRATIONS
                  + " (version, name, checksum) VALUES (?, ?, ?)")) {
        p.setInt(1, m.version());
        p.setString(2, m.name());
        p.setString(3, m.checksum());
        p.executeUpdate();
      }
    }
    return pending;
  }

  /**
   * Checks, without DDL, that the schema is current ({@code migrate=verify}).
   *
   * @param c a connection
   * @param schema the schema's name
   * @param quoted the schema as a quoted identifier
   * @throws SQLException on a database failure
   * @throws StorageException if the schema is missing, not current or does not match this driver
   */
  static void verify(Connection c, String schema, String quoted) throws SQLException {
    if (!schemaExists(c, schema) || !ledgerExists(c, quoted)) {
      throw new StorageException(
          "schema \""
              + schema
              + "\" holds no harbor-state tables (migrate=verify runs no DDL);"
              + " open once with migrate=apply or run 'harbor-state migrate'",
          false,
          null);
    }
    PLAN.requireCurrent(readLedger(c, quoted), "schema \"" + schema + "\"");
  }

  /**
   * The migrations still to apply, after checking the ledger against the shipped migrations.
   *
   * @param schema the schema, for messages
   * @param applied the ledger, ordered by version
   * @return the shipped migrations not yet applied, in order
   * @throws StorageException if an applied migration is unknown, edited or missing
   */
  static List<Migration> pending(String schema, List<Applied> applied) {
    return PLAN.pending(applied, "schema \"" + schema + "\"");
  }

  private static boolean schemaExists(Connection c, String schema) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ?")) {
      p.setString(1, schema);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static boolean ledgerExists(Connection c, String quoted) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      p.setString(1, quoted + "." + PgSql.MIGRATIONS);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  private static List<Applied> readLedger(Connection c, String quoted) throws SQLException {
    return MigrationPlan.readLedger(
        c,
        "SELECT version, name, checksum FROM "
            + quoted
            + "."
            + PgSql.MIGRATIONS
            + " ORDER BY version");
  }
}
