package dev.harbor.state.postgres;

import static dev.harbor.state.sql.RecordRows.bindSlot;

import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StorageException;
import dev.harbor.state.postgres.PgDatabase.Mode;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreDriver;
import dev.harbor.state.spi.StoreErrors;
import dev.harbor.state.sql.RecordRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The postgres driver: SQL of {@link PgSql} run through {@link PgDatabase}, under the locking
 * protocol of {@link SlotLocks}. The core ({@link dev.harbor.state.spi.StoreCore}) hands it valid,
 * stamped input.
 */
final class PgStore implements StoreDriver {

  static final String DRIVER = "postgres";

  private final PgDatabase db;
  private final PgSql sql;
  private final SlotLocks locks;
  private final PgRetention retention;
  private final PgConditionalWrites conditional;
  private final PgReads reads;
  // Concurrent saves and deletes share a commit through it; null with groupCommit=off.
  private final @Nullable PgGroupCommit groups;

  PgStore(PgDatabase db, PgSettings settings, StoreContext context) {
    this.db = db;
    this.sql = new PgSql(settings.quotedSchema());
    this.locks = new SlotLocks(settings.schema());
    this.retention = new PgRetention(db, sql.table, locks);
    this.conditional = new PgConditionalWrites(db, sql, locks);
    this.reads = new PgReads(db, sql, settings.operationTimeout());
    this.groups =
        settings.groupCommit().enabled()
            ? new PgGroupCommit(db, sql, locks, settings, context, this::writeAlone)
            : null;
  }

  // ---- writes ----

  @Override
  public void save(StateRecord r) {
    PgGroupCommit g = groups;
    if (g == null) {
      saveAlone(r, db.deadline());
    } else {
      g.write(new PgGroupCommit.Save(r));
    }
  }

  /**
   * The group commit, for tests that steer a group.
   *
   * @return it, or null with groupCommit=off
   */
  @Nullable PgGroupCommit groups() {
    return groups;
  }

  /**
   * A save or delete in a statement of its own: without group commit, or committing alone with it
   * on, within the call's deadline.
   */
  private void writeAlone(PgGroupCommit.Write w, long deadline) {
    if (w instanceof PgGroupCommit.Save s) {
      saveAlone(s.record(), deadline);
    } else if (w instanceof PgGroupCommit.Delete d) {
      deleteAlone(d.identity(), d.kind(), deadline);
    }
  }

  private void saveAlone(StateRecord r, long deadline) {
    SlotLocks.Keys keys = locks.keys(r.identity(), r.kind());
    Supplier<String> what =
        () ->
            "save of event id "
                + r.id().value()
                + " at "
                + StoreErrors.describe(r.identity(), r.kind());
    // A transaction: its statement in one round trip, its commit in another, so that a commit
    // whose answer is lost can be looked up instead of applied again (PgDatabase).
    db.run(
        Mode.TRANSACTION,
        PgScope.tenant(r.identity().tenantId()),
        deadline,
        what,
        (c, a) -> saveUnderLocks(c, keys, r, what));
  }

  /**
   * A save, under its slot's locks (held to the commit).
   *
   * <p>Contention never fails a save (CONTRACT.md 4.2): every writer of the slot waits for its
   * lock, which is held to the commit, so the slot cannot change between the write and the check
   * below. The row the statement found holding this event id is locked to the commit as well, so
   * even a writer outside the protocol waits for the check.
   *
   * @throws dev.harbor.state.IdempotencyConflictException if the event id is live with other
   *     content
   */
  private void saveUnderLocks(
      Connection c, SlotLocks.Keys keys, StateRecord r, Supplier<String> what) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql.save)) {
      int i = bindContent(p, bindLocks(p, keys), r); // the UPDATE's new values
      i = bindSlot(p, i, r.identity(), r.kind()); // its slot
      p.setString(i++, r.id().value()); // and the id it replaces only if other
      i = bindSlot(p, i, r.identity(), r.kind()); // the row a replay locks
      p.setString(i++, r.id().value());
      i = bindContent(p, bindSlot(p, i, r.identity(), r.kind()), r); // the INSERT's row
      bindSlot(p, i, r.identity(), r.kind()); // into an empty slot
      try (ResultSet rs = queryAfterLocks(p, false)) {
        rs.next();
        if (rs.getLong(1) == 1) {
          return;
        }
      } catch (SQLException e) {
        if (PgErrors.isSlotTaken(e)) {
          // The slot was empty in the statement's snapshot and filled before its insert: only a
          // writer outside the locking protocol can do that. Rolled back; as below.
          throw new StorageException(
              what.get() + " found its slot changed concurrently; nothing was changed", true, e);
        }
        throw e;
      }
    }
    // Nothing written: the slot held this event id. The same write again is a no-op; other
    // content a conflict.
    Optional<StateRecord> held = reads.findByEventId(c, r.id());
    if (held.isEmpty()) {
      // Only a writer outside the locking protocol (a store of an older version on this schema)
      // can have changed the slot under the locks. Rolled back.
      throw new StorageException(
          what.get() + " found its slot changed concurrently; nothing was changed", true, null);
    }
    if (!held.get().sameContent(r)) {
      throw StoreErrors.idempotencyConflict(r, PgConditionalWrites.sameSlot(held.get(), r));
    }
  }

  @Override
  public void saveAll(List<StateRecord> batch) {
    try {
      saveAllScoped(batch);
    } catch (IdempotencyConflictException e) {
      throw conditional.named(e, batch);
    }
  }

  private void saveAllScoped(List<StateRecord> batch) {
    Long[] keys = locks.batchKeys(batch.stream().map(r -> r.identity().identity()).toList());
    // Beyond the lock budget (scopes of many tenants) the table's lock stands for the scopes'.
    boolean wholeTable = SlotLocks.exceedsBudget(keys.length);
    Long[] scopes = wholeTable ? new Long[0] : keys;
    // One transaction: the batch's locks, then one statement for every record, then the commit.
    db.run(
        Mode.TRANSACTION,
        PgScope.tenants(batch.stream().map(r -> r.identity().tenantId()).toList()),
        () -> "saveAll of " + batch.size() + " records",
        (c, a) -> {
          try (PreparedStatement p =
              c.prepareStatement(wholeTable ? sql.saveAllWholeTable : sql.saveAll)) {
            p.setArray(1, c.createArrayOf("bigint", scopes));
            bindRecords(c, p, 2, batch);
            try (ResultSet rs = queryAfterLocks(p, wholeTable)) {
              rs.next();
              long written = rs.getLong(1);
              long replayed = rs.getLong(2);
              long conflictOrd = rs.getLong(3);
              if (!rs.wasNull()) {
                throw StoreErrors.idempotencyConflict(batch.get((int) conflictOrd - 1), false);
              }
              if (written + replayed != batch.size()) {
                // Under the scope locks only a writer outside the protocol (a store of an older
                // version on this schema) can have changed a slot since the probe. Rolled back.
                throw new StorageException(
                    "saveAll of "
                        + batch.size()
                        + " records found a slot changed concurrently; nothing was changed",
                    true,
                    null);
              }
              return;
            }
          }
        });
  }

  @Override
  public void saveIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
    conditional.saveIf(expectations, writes);
  }

  @Override
  public boolean deleteIf(SlotExpectation expectation) {
    SlotLocks.Keys keys = locks.keys(expectation.identity(), expectation.kind());
    return db.call(
        Mode.TRANSACTION,
        PgScope.tenant(expectation.identity().tenantId()),
        () -> "deleteIf of " + describe(expectation),
        (c, a) -> {
          // Under the slot's lock no other write changes the slot, so the generation that is
          // checked is the one deleted.
          try (PreparedStatement p = c.prepareStatement(sql.deleteIf)) {
            int i = bindSlot(p, bindLocks(p, keys), expectation.identity(), expectation.kind());
            p.setString(i, exactId(expectation));
            return updateAfterLocks(p) == 1;
          }
        });
  }

  @Override
  public void fenceIf(SlotExpectation expectation, Runnable action) {
    SlotLocks.Keys keys = locks.keys(expectation.identity(), expectation.kind());
    // The transaction (and with it the advisory lock and the connection) stays open while the
    // action runs; it is rolled back afterwards, since the fence writes nothing.
    db.run(
        Mode.FENCE,
        PgScope.tenant(expectation.identity().tenantId()),
        () -> "fenceIf on " + describe(expectation),
        (c, a) -> {
          String current;
          try (PreparedStatement p = c.prepareStatement(sql.slotEventId)) {
            bindSlot(p, bindLocks(p, keys), expectation.identity(), expectation.kind());
            try (ResultSet rs = queryAfterLocks(p, true)) { // and the table's ROW SHARE
              current = rs.next() ? rs.getString(1) : null;
            }
          }
          if (!exactId(expectation).equals(current)) {
            throw StoreErrors.conditionFailed(expectation, current);
          }
          a.actionStarts();
          action.run();
        });
  }

  @Override
  public void delete(Quadruple identity, String kind) {
    PgGroupCommit g = groups;
    if (g == null) {
      deleteAlone(identity, kind, db.deadline());
    } else {
      g.write(new PgGroupCommit.Delete(identity, kind));
    }
  }

  private void deleteAlone(Quadruple identity, String kind, long deadline) {
    SlotLocks.Keys keys = locks.keys(identity, kind);
    db.call(
        Mode.TRANSACTION, // as a save: a lost commit answer is looked up, not applied again
        PgScope.tenant(identity.tenantId()),
        deadline,
        () -> "delete of " + StoreErrors.describe(identity, kind),
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.delete)) {
            bindSlot(p, bindLocks(p, keys), identity, kind);
            return updateAfterLocks(p);
          }
        });
  }

  @Override
  public int deleteScope(Identity identity) {
    long scopeKey = locks.scopeKey(identity);
    // A transaction, not autocommit: a lost connection before the commit can then be retried
    // without losing the count. The scope's lock, exclusive, waits for the writes into the scope
    // in flight and holds back new ones, so the erase is one step against every write.
    return db.call(
        Mode.TRANSACTION,
        PgScope.tenant(identity.tenantId()),
        () ->
            "deleteScope of ("
                + identity.tenantId()
                + ", "
                + identity.userId()
                + ", "
                + identity.sessionId()
                + ")",
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.deleteScope)) {
            p.setLong(1, scopeKey);
            RecordRows.bindIdentity(p, 2, identity);
            return updateAfterLocks(p);
          }
        });
  }

  @Override
  public int purge(String tenantId, String kindPrefix, Instant latest, int limit) {
    return retention.purge(tenantId, kindPrefix, latest, limit);
  }

  @Override
  public int eraseUser(String tenantId, String userId, int limit) {
    return retention.eraseUser(tenantId, userId, limit);
  }

  @Override
  public int eraseTenant(String tenantId, int limit) {
    return retention.eraseTenant(tenantId, limit);
  }

  // ---- reads ----

  @Override
  public Optional<StateRecord> find(Quadruple identity, String kind) {
    return reads.find(identity, kind);
  }

  @Override
  public Optional<StateRecord> findByEventId(EventId eventId) {
    return reads.findByEventId(eventId);
  }

  @Override
  public Optional<StateRecord> findByEventId(String tenantId, EventId eventId) {
    return reads.findByEventId(tenantId, eventId);
  }

  @Override
  public List<StateRecord> listKind(String kindPrefix, int limit) {
    return reads.listKind(kindPrefix, limit);
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    return reads.listKindForIdentity(identity, kindPrefix, limit);
  }

  @Override
  public List<StateRecord> scanKindForTenant(
      String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max) {
    return reads.scanKindForTenant(tenantId, kindPrefix, after, max);
  }

  @Override
  public List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
    return reads.scanAll(after, max);
  }

  /**
   * The scans in one {@code REPEATABLE READ READ ONLY} transaction on one pooled connection ({@link
   * PgSnapshot}): the same statements as the live scans.
   */
  @Override
  public Snapshot snapshot() {
    return reads.snapshot();
  }

  /** Closes the pool if the store owns it; never a borrowed one. */
  @Override
  public void close() {
    PgGroupCommit g = groups;
    if (g != null) {
      g.close();
    }
    db.close();
  }

  // ---- helpers ----

  /**
   * Binds the keys of a single-slot {@link PgSql#LOCK_SLOT}.
   *
   * @return the next parameter index
   */
  private static int bindLocks(PreparedStatement p, SlotLocks.Keys keys) throws SQLException {
    p.setLong(1, keys.scopes()[0]);
    p.setLong(2, keys.slots()[0]);
    return 3;
  }

  /**
   * Binds the keys of {@link PgSql#LOCK_SLOTS}. The wait is bounded by lock_timeout
   * (operationTimeout).
   *
   * @return the next parameter index
   */
  static int bindLocks(Connection c, PreparedStatement p, SlotLocks.Keys keys) throws SQLException {
    p.setArray(1, c.createArrayOf("bigint", keys.scopes()));
    p.setArray(2, c.createArrayOf("bigint", keys.slots()));
    return 3;
  }

  /**
   * Runs a statement that takes locks first ({@link PgSql#LOCK_SLOT} and its siblings) and returns
   * the update count of the statement proper.
   */
  static int updateAfterLocks(PreparedStatement p) throws SQLException {
    p.execute(); // the locks' one row
    if (p.getMoreResults()) {
      throw new IllegalStateException("expected an update count after the locks");
    }
    return p.getUpdateCount();
  }

  /**
   * Runs a statement that takes locks first and returns the rows of the query proper: after the
   * advisory locks' one row, and a LOCK TABLE's empty answer too if {@code tableLock} (before or
   * after the advisory locks).
   */
  static ResultSet queryAfterLocks(PreparedStatement p, boolean tableLock) throws SQLException {
    p.execute(); // the first lock statement
    if (tableLock) {
      p.getMoreResults(); // the second
    }
    if (!p.getMoreResults()) {
      throw new IllegalStateException("expected rows after the locks");
    }
    return p.getResultSet();
  }

  /** A record's updatedAt, which the core stamped before the record reached the driver. */
  private static Instant stamped(StateRecord r) {
    return Objects.requireNonNull(r.updatedAt(), "the core stamps every record");
  }

  /**
   * Binds a record's event id, version, payload and updatedAt.
   *
   * @return the next parameter index
   */
  private static int bindContent(PreparedStatement p, int i, StateRecord r) throws SQLException {
    p.setString(i++, r.id().value());
    p.setLong(i++, r.version());
    p.setBytes(i++, r.bytes());
    p.setString(i++, PgTimestamps.text(stamped(r)));
    return i;
  }

  /** The event id of an exact expectation (deleteIf's and fenceIf's, as the core checked). */
  private static String exactId(SlotExpectation e) {
    return Objects.requireNonNull(PgConditionalWrites.expectedId(e), "an exact expectation");
  }

  /** A conditional call's slot and expected event id, for messages. */
  private static String describe(SlotExpectation e) {
    return "event id " + exactId(e) + " at " + StoreErrors.describe(e.identity(), e.kind());
  }

  static int bindPrefix(PreparedStatement p, int i, String prefix) throws SQLException {
    p.setString(i++, prefix);
    p.setString(i++, KindRange.upper(prefix));
    p.setString(i++, prefix);
    return i;
  }

  /**
   * Binds the nine record columns as arrays (the unnest form of saveAll and the conditional
   * writes).
   */
  static int bindRecords(Connection c, PreparedStatement p, int i, List<StateRecord> rs)
      throws SQLException {
    int n = rs.size();
    String[][] text = new String[7][n];
    Long[] versions = new Long[n];
    byte[][] payloads = new byte[n][];
    for (int j = 0; j < n; j++) {
      StateRecord r = rs.get(j);
      Quadruple q = r.identity();
      text[0][j] = q.tenantId();
      text[1][j] = q.userId();
      text[2][j] = q.sessionId();
      text[3][j] = q.runId();
      text[4][j] = r.kind();
      text[5][j] = r.id().value();
      text[6][j] = PgTimestamps.text(stamped(r));
      versions[j] = r.version();
      payloads[j] = r.bytes();
    }
    for (int k = 0; k < 6; k++) {
      p.setArray(i++, c.createArrayOf("text", text[k]));
    }
    p.setArray(i++, c.createArrayOf("bigint", versions));
    p.setArray(i++, c.createArrayOf("bytea", payloads));
    p.setArray(i++, c.createArrayOf("text", text[6]));
    return i;
  }
}
