package dev.harbor.state.sqlite;

import static dev.harbor.state.sql.RecordRows.bindQuadruple;
import static dev.harbor.state.sql.RecordRows.bindSlot;

import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreDriver;
import dev.harbor.state.spi.StoreErrors;
import dev.harbor.state.sql.KindPrefix;
import dev.harbor.state.sql.RecordRows;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The SQLite driver behind {@link dev.harbor.state.spi.StoreCore}: each primitive is one statement
 * on a read connection or one {@code BEGIN IMMEDIATE} transaction on the write connection (see
 * {@link SqliteDatabase}). Input arrives validated and stamped.
 *
 * <p>Keys are TEXT compared with SQLite's default BINARY collation, which is {@code memcmp} of the
 * UTF-8 encoding: the byte order the contract asks for. Prefixes are matched with an index-friendly
 * range, {@code kind >= prefix AND kind < successor(prefix)}, never {@code LIKE} or {@code GLOB}
 * (see {@link KindPrefix#successor}). {@code updated_at} holds microseconds since the epoch.
 */
final class SqliteStore implements StoreDriver {

  static final String DRIVER = "sqlite";

  // ---- SQL: identifiers are constants, values are always parameters ----
  private static final String TABLE = RecordRows.TABLE;
  private static final String COLUMNS = RecordRows.COLUMNS;
  private static final String SLOT =
      "tenant_id = ? AND user_id = ? AND session_id = ? AND run_id = ? AND kind = ?";
  private static final String SELECT = "SELECT " + COLUMNS + " FROM " + TABLE;
  private static final String FIND =
      "SELECT " + RecordRows.VALUE_COLUMNS + " FROM " + TABLE + " WHERE " + SLOT;
  private static final String FIND_BY_EVENT = SELECT + " WHERE event_id = ?";

  /** The tenant-scoped lookup: the event id's unique index, then the tenant as a filter. */
  static final String FIND_BY_EVENT_OF_TENANT = FIND_BY_EVENT + " AND tenant_id = ?";

  private static final String SLOT_EVENT = "SELECT event_id FROM " + TABLE + " WHERE " + SLOT;
  // The payload is compared in SQLite so that a replay of a large record does not copy it out.
  private static final String EVENT_CHECK =
      "SELECT tenant_id, user_id, session_id, run_id, kind, version, payload = ?"
          + " FROM "
          + TABLE
          + " WHERE event_id = ?";
  private static final String UPSERT =
      "INSERT INTO "
          + TABLE
          + " ("
          + COLUMNS
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT ("
          + RecordRows.KEY
          + ") DO UPDATE SET event_id = excluded.event_id,"
          + " version = excluded.version, payload = excluded.payload, updated_at = excluded.updated_at";
  private static final String DELETE = "DELETE FROM " + TABLE + " WHERE " + SLOT;
  private static final String DELETE_IF = DELETE + " AND event_id = ?";
  private static final String DELETE_SCOPE =
      "DELETE FROM " + TABLE + " WHERE tenant_id = ? AND user_id = ? AND session_id = ?";
  private static final String KIND_FROM = " AND kind >= ?";
  private static final String KIND_BELOW = " AND kind < ?";
  private static final String LIST_KIND = SELECT + " WHERE 1 = 1";
  // StoreDriver.ALL, the core's "all", is an ordinary bound to SQLite's 64-bit LIMIT.
  private static final String BY_KEY = " ORDER BY " + RecordRows.KEY + " LIMIT ?";
  private static final String LIST_IDENTITY =
      SELECT + " WHERE tenant_id = ? AND user_id = ? AND session_id = ? AND run_id = ?";
  private static final String BY_KIND = " ORDER BY kind LIMIT ?";
  private static final String SCAN = SELECT + " WHERE tenant_id = ?";
  private static final String SCAN_AFTER =
      " AND (user_id, session_id, run_id, kind) > (?, ?, ?, ?)";
  private static final String BY_POSITION = " ORDER BY user_id, session_id, run_id, kind LIMIT ?";
  private static final String SCAN_ALL_AFTER =
      " AND (tenant_id, user_id, session_id, run_id, kind) > (?, ?, ?, ?, ?)";

  // Retention: each step deletes the rows a bounded subquery picks, in one write transaction. The
  // purge's subquery reads the tenant-age index (V0002) as one range in its own order.
  private static final String DELETE_PICKED = "DELETE FROM " + TABLE + " WHERE rowid IN (";
  private static final String PURGE_PICK =
      "SELECT rowid FROM " + TABLE + " WHERE tenant_id = ? AND updated_at <= ?";
  private static final String BY_AGE =
      " ORDER BY tenant_id, updated_at, user_id, session_id, run_id, kind LIMIT ?)";
  private static final String ERASE_TENANT_PICK =
      DELETE_PICKED + "SELECT rowid FROM " + TABLE + " WHERE tenant_id = ?";
  private static final String ERASE_USER_PICK = ERASE_TENANT_PICK + " AND user_id = ?";
  private static final String ERASE_LIMIT = " LIMIT ?)";

  // updated_at holds microseconds since the epoch.
  private static final RecordRows ROWS =
      new RecordRows((rs, column) -> instant(rs.getLong(column)));

  private final SqliteDatabase db;
  private final String database;
  // Concurrent single-record writes share a commit through it; null with groupCommit=off.
  private final @Nullable SqliteGroupCommit groups;

  private SqliteStore(SqliteDatabase db, String database, @Nullable SqliteGroupCommit groups) {
    this.db = db;
    this.database = database;
    this.groups = groups;
  }

  /**
   * Opens the driver: the connections, the WAL journal and the schema.
   *
   * @param settings the validated settings
   * @param context the store's context
   * @return the open driver
   */
  static SqliteStore open(SqliteSettings settings, StoreContext context) {
    SqliteDatabase db = SqliteDatabase.open(settings, context);
    return new SqliteStore(
        db,
        settings.describe(),
        settings.groupCommit().enabled() ? new SqliteGroupCommit(db, settings, context) : null);
  }

  /**
   * Runs a single-record write in a shared commit ({@link SqliteGroupCommit}) or, with group commit
   * off, in its own transaction; either way its statements are {@code write}.
   */
  private Object single(String operation, SqliteGroupCommit.Write write) {
    SqliteGroupCommit g = groups;
    if (g == null) {
      return db.write(operation, c -> write.run());
    }
    return g.write(operation, write);
  }

  /**
   * The group commit, for tests that steer a group.
   *
   * @return it, or null with groupCommit=off
   */
  @Nullable SqliteGroupCommit groups() {
    return groups;
  }

  /**
   * The database, for tests that steer a group.
   *
   * @return it
   */
  SqliteDatabase database() {
    return db;
  }

  // ---- writes ----

  @Override
  public void save(StateRecord record) {
    List<Row> rows = Row.of(List.of(record));
    single(
        "save",
        () -> {
          applyAll(rows);
          return true;
        });
  }

  @Override
  public void saveAll(List<StateRecord> records) {
    write("saveAll", records);
  }

  private void write(String operation, List<StateRecord> records) {
    List<Row> rows = Row.of(records);
    db.execute(operation, c -> applyAll(rows));
  }

  @Override
  public void saveIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
    List<Row> rows = Row.of(writes);
    SqliteGroupCommit.Write write =
        () -> {
          for (SlotExpectation e : expectations) {
            requireExpected(e);
          }
          applyAll(rows);
          return true;
        };
    if (writes.size() == 1) {
      single("saveIf", write); // a single-record write: it may share a commit
    } else {
      db.write("saveBatchIf", c -> write.run());
    }
  }

  /**
   * Inside write work: checks every write's idempotency before the first mutation, then writes
   * those that are not replays, on the write connection's kept statements (never closed here).
   */
  private void applyAll(List<Row> rows) throws SQLException {
    List<Row> toWrite = new ArrayList<>(rows.size());
    PreparedStatement check = db.writeStatement(EVENT_CHECK);
    for (Row row : rows) {
      if (!isReplay(check, row)) {
        toWrite.add(row);
      }
    }
    upsert(db.writeStatement(UPSERT), toWrite);
  }

  @Override
  public boolean deleteIf(SlotExpectation expectation) {
    String expected = Objects.requireNonNull(expectedId(expectation), "an exact expectation");
    return Boolean.TRUE.equals(
        single(
            "deleteIf",
            () -> {
              PreparedStatement p = db.writeStatement(DELETE_IF); // kept, never closed
              int i = bindSlot(p, 1, expectation.identity(), expectation.kind());
              p.setString(i, expected);
              return p.executeUpdate() == 1;
            }));
  }

  @Override
  public void fenceIf(SlotExpectation expectation, Runnable action) {
    // The write transaction is SQLite's write lock: while the action runs no other connection of
    // any store instance or process can write, so no conditional write on this slot completes.
    // The transaction writes nothing.
    db.fence(
        "fenceIf",
        c -> {
          requireExpected(expectation);
          action.run();
        });
  }

  @Override
  public void delete(Quadruple identity, String kind) {
    single(
        "delete",
        () -> {
          PreparedStatement p = db.writeStatement(DELETE); // kept, never closed
          bindSlot(p, 1, identity, kind);
          p.executeUpdate();
          return true;
        });
  }

  @Override
  public int deleteScope(Identity identity) {
    return update("deleteScope", DELETE_SCOPE, p -> RecordRows.bindIdentity(p, 1, identity));
  }

  @Override
  public int purge(String tenantId, String kindPrefix, Instant latest, int limit) {
    String upper = successor(kindPrefix);
    String sql = purgeSql(upper);
    return update(
        "purge",
        sql,
        p -> {
          p.setString(1, tenantId);
          p.setLong(2, micros(latest));
          p.setInt(bindPrefix(p, 3, kindPrefix, upper), limit);
        });
  }

  /** The purge's statement, for a prefix with or without an upper bound. */
  static String purgeSql(@Nullable String upper) {
    return DELETE_PICKED + PURGE_PICK + KIND_FROM + (upper == null ? "" : KIND_BELOW) + BY_AGE;
  }

  @Override
  public int eraseUser(String tenantId, String userId, int limit) {
    return erase("eraseUser", ERASE_USER_PICK, limit, tenantId, userId);
  }

  @Override
  public int eraseTenant(String tenantId, int limit) {
    return erase("eraseTenant", ERASE_TENANT_PICK, limit, tenantId);
  }

  /** Deletes the first {@code limit} rows a pick by key columns finds, bound in order. */
  private int erase(String operation, String pick, int limit, String... keys) {
    return update(
        operation,
        pick + ERASE_LIMIT,
        p -> {
          int i = 1;
          for (String key : keys) {
            p.setString(i++, key);
          }
          p.setInt(i, limit);
        });
  }

  /** Binds a statement's parameters. */
  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement p) throws SQLException;
  }

  /** Runs one bound statement in its own write transaction; returns the rows it changed. */
  private int update(String operation, String sql, Binder binder) {
    return db.write(
        operation,
        c -> {
          PreparedStatement p = db.writeStatement(sql);
          binder.bind(p);
          return p.executeUpdate();
        });
  }

  // ---- reads ----

  @Override
  public Optional<StateRecord> find(Quadruple identity, String kind) {
    return db.read(
        "find",
        statements -> {
          PreparedStatement p = statements.of(FIND);
          bindSlot(p, 1, identity, kind);
          return ROWS.firstAt(p, identity, kind);
        });
  }

  @Override
  public Optional<StateRecord> findByEventId(EventId eventId) {
    return db.read(
        "findByEventId",
        statements -> {
          PreparedStatement p = statements.of(FIND_BY_EVENT);
          p.setString(1, eventId.value());
          return ROWS.first(p);
        });
  }

  @Override
  public Optional<StateRecord> findByEventId(String tenantId, EventId eventId) {
    return db.read(
        "findByEventId",
        statements -> {
          PreparedStatement p = statements.of(FIND_BY_EVENT_OF_TENANT);
          p.setString(1, eventId.value());
          p.setString(2, tenantId);
          return ROWS.first(p);
        });
  }

  @Override
  public List<StateRecord> listKind(String kindPrefix, int limit) {
    // The whole listing has no order (CONTRACT.md 4.10) and gets none: sorting it would copy every
    // matching payload through a temporary B-tree, where the kind index alone serves the range.
    boolean all = limit == StoreDriver.ALL;
    String upper = successor(kindPrefix);
    String sql = LIST_KIND + KIND_FROM + (upper == null ? "" : KIND_BELOW) + (all ? "" : BY_KEY);
    return db.read(
        "listKind",
        statements -> {
          PreparedStatement p = statements.of(sql);
          int i = bindPrefix(p, 1, kindPrefix, upper);
          if (!all) {
            p.setInt(i, limit);
          }
          return ROWS.all(p);
        });
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    String upper = successor(kindPrefix);
    String sql = LIST_IDENTITY + KIND_FROM + (upper == null ? "" : KIND_BELOW) + BY_KIND;
    return db.read(
        "listKindForIdentity",
        statements -> {
          PreparedStatement p = statements.of(sql);
          int i = bindPrefix(p, bindQuadruple(p, 1, identity), kindPrefix, upper);
          p.setInt(i, limit);
          return ROWS.all(p);
        });
  }

  @Override
  public List<StateRecord> scanKindForTenant(
      String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max) {
    return db.read(
        "scanKindForTenant",
        statements -> scanKindForTenant(statements::of, tenantId, kindPrefix, after, max));
  }

  /** Prepares one of the driver's statements on some connection, which keeps it; never closed. */
  @FunctionalInterface
  interface Prepared {
    PreparedStatement of(String sql) throws SQLException;
  }

  private static List<StateRecord> scanKindForTenant(
      Prepared statements,
      String tenantId,
      String kindPrefix,
      Optional<ScanContinuations.Position> after,
      int max)
      throws SQLException {
    String upper = successor(kindPrefix);
    String sql =
        SCAN
            + KIND_FROM
            + (upper == null ? "" : KIND_BELOW)
            + (after.isPresent() ? SCAN_AFTER : "")
            + BY_POSITION;
    PreparedStatement p = statements.of(sql);
    p.setString(1, tenantId);
    return ROWS.scanPage(p, bindPrefix(p, 2, kindPrefix, upper), after, max);
  }

  @Override
  public List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
    return db.read("scanAll", statements -> scanAll(statements::of, after, max));
  }

  private static List<StateRecord> scanAll(
      Prepared statements, Optional<StateRecord> after, int max) throws SQLException {
    String sql = LIST_KIND + (after.isPresent() ? SCAN_ALL_AFTER : "") + BY_KEY;
    return ROWS.scanAllPage(statements.of(sql), after, max);
  }

  /**
   * The scans in one read transaction of a connection of the snapshot's own ({@link
   * SqliteSnapshot}): the same statements as the live scans.
   */
  @Override
  public Snapshot snapshot() {
    SqliteSnapshot snapshot = SqliteSnapshot.open(db, database);
    return new Snapshot() {
      @Override
      public List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
        return snapshot.read("scanAll", statements -> SqliteStore.scanAll(statements, after, max));
      }

      @Override
      public List<StateRecord> scanKindForTenant(
          String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max) {
        return snapshot.read(
            "scanKindForTenant",
            statements ->
                SqliteStore.scanKindForTenant(statements, tenantId, kindPrefix, after, max));
      }

      @Override
      public void close() {
        snapshot.close();
      }
    };
  }

  /**
   * Closes the connections; the core calls this once no call is in flight. There is no {@code
   * closing()}: a caller queued for the write lock or a read connection waits for a call in flight,
   * which close waits for too, and then sees the store closed at once. A wait in SQLite's busy
   * handler (another process holds the file) is bounded by {@code operationTimeout}; only {@code
   * sqlite3_interrupt} could cut it short, and that could also hit a {@code COMMIT} in flight.
   */
  @Override
  public void close() {
    SqliteGroupCommit g = groups;
    if (g != null) {
      g.close();
    }
    db.close();
  }

  @Override
  public String toString() {
    return "SqliteStore[" + database + "]";
  }

  // ---- steps inside a transaction ----

  private void requireExpected(SlotExpectation e) throws SQLException {
    String current;
    PreparedStatement p = db.writeStatement(SLOT_EVENT); // inside write work: kept, never closed
    bindSlot(p, 1, e.identity(), e.kind());
    try (ResultSet rs = p.executeQuery()) {
      current = rs.next() ? rs.getString(1) : null;
    }
    String expected = expectedId(e);
    if (current == null ? expected != null : !current.equals(expected)) {
      throw StoreErrors.conditionFailed(e, current);
    }
  }

  /**
   * Whether the row's event id is live with exactly this content (a replay, nothing to write).
   *
   * @throws IdempotencyConflictException if the event id is live with another slot, bytes or
   *     version
   */
  private static boolean isReplay(PreparedStatement check, Row row) throws SQLException {
    StateRecord r = row.record();
    check.setBytes(1, r.bytes());
    check.setString(2, r.id().value());
    try (ResultSet rs = check.executeQuery()) {
      if (!rs.next()) {
        return false;
      }
      Quadruple q =
          new Quadruple(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4));
      String kind = rs.getString(5);
      boolean sameSlot = q.equals(r.identity()) && kind.equals(r.kind());
      if (sameSlot && rs.getLong(6) == r.version() && rs.getInt(7) == 1) {
        return true;
      }
      throw StoreErrors.idempotencyConflict(r, sameSlot);
    }
  }

  private static void upsert(PreparedStatement p, List<Row> rows) throws SQLException {
    for (Row row : rows) {
      StateRecord r = row.record();
      int i = bindSlot(p, 1, r.identity(), r.kind());
      p.setString(i++, r.id().value());
      p.setLong(i++, r.version());
      p.setBytes(i++, r.bytes());
      p.setLong(i, row.updatedAtMicros());
      p.executeUpdate();
    }
  }

  // ---- binding and reading ----

  private static int bindPrefix(
      PreparedStatement p, int from, String prefix, @Nullable String upper) throws SQLException {
    p.setString(from, prefix);
    if (upper == null) {
      return from + 1;
    }
    p.setString(from + 1, upper);
    return from + 2;
  }

  /**
   * The exclusive upper bound of the kinds starting with {@code prefix}, in UTF-8 byte order.
   *
   * @param prefix a non-empty prefix
   * @return the bound, or {@code null} if the prefix is all U+10FFFF and no bound exists
   * @see KindPrefix#successor
   */
  static @Nullable String successor(String prefix) {
    return KindPrefix.successor(prefix);
  }

  /**
   * An instant as microseconds since the epoch.
   *
   * @param at an instant already truncated to microseconds
   * @return the microseconds
   * @throws ArithmeticException if it is more than about 292,000 years from 1970
   */
  static long micros(Instant at) {
    return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
  }

  static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  /** The event id an expectation expects, {@code null} for "absent". */
  private static @Nullable String expectedId(SlotExpectation e) {
    EventId expected = e.expectedEventId();
    return expected == null ? null : expected.value();
  }

  /**
   * A stamped record and its timestamp as stored, converted before the transaction. The core has
   * already refused an instant outside {@link StateRecord#MIN_UPDATED_AT}..{@link
   * StateRecord#MAX_UPDATED_AT}, and every instant in that range fits the 64-bit column.
   */
  private record Row(StateRecord record, long updatedAtMicros) {
    static List<Row> of(List<StateRecord> stamped) {
      return stamped.stream()
          .map(
              r ->
                  new Row(
                      r,
                      micros(
                          Objects.requireNonNull(r.updatedAt(), "the core stamps every record"))))
          .toList();
    }
  }
}
