package dev.harbor.state.postgres;

import static dev.harbor.state.sql.RecordRows.bindQuadruple;
import static dev.harbor.state.sql.RecordRows.bindSlot;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.StoreGuard;
import dev.harbor.state.sql.RecordRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/** The postgres store: SQL of {@link PgSql} run through {@link PgDatabase}. */
final class PgStore implements StateStore {

  static final String DRIVER = "postgres";

  private static final RecordRows ROWS = new RecordRows(rs -> PgTimestamps.parse(rs.getString(9)));

  private final StoreGuard guard;
  private final PgDatabase db;
  private final PgSql sql;
  private final SlotLocks locks;

  /** How often a save replays after finding its slot changed between its write and its check. */
  private static final int MAX_SAVE_ROUNDS = 8;

  PgStore(StoreGuard guard, PgDatabase db, PgConfig config) {
    this.guard = guard;
    this.db = db;
    this.sql = new PgSql(config.quotedSchema());
    this.locks = new SlotLocks(config.schema());
  }

  // ---- writes ----

  @Override
  public void save(StateRecord record) {
    guard.save(record);
    StateRecord r = guard.stamp(record);
    SlotLocks.Keys keys = locks.keys(r.identity(), r.kind());
    Supplier<String> what =
        () ->
            "save of event id "
                + r.id().value()
                + " at "
                + StoreGuard.describe(r.identity(), r.kind());
    db.call(
        PgDatabase.Mode.IDEMPOTENT_WRITE,
        what,
        (c, a) -> {
          for (int round = 1; ; round++) {
            try (PreparedStatement p = c.prepareStatement(sql.save)) {
              int i = bindSlot(p, bindLocks(p, keys), r.identity(), r.kind());
              bindContent(p, i, r);
              if (updateAfterLocks(p) == 1) {
                return null;
              }
            }
            // Nothing written: the slot held this event id. The same write again is a no-op;
            // other content a conflict.
            Optional<StateRecord> held = findByEventId(c, r.id());
            if (held.isPresent()) {
              if (!held.get().sameContent(r)) {
                throw StoreGuard.idempotencyConflict(
                    r,
                    held.get().identity().equals(r.identity())
                        && held.get().kind().equals(r.kind()));
              }
              return null;
            }
            // Overwritten or deleted since: the save, which has had no effect, is simply due again.
            if (round == MAX_SAVE_ROUNDS) {
              throw new StorageException(
                  what.get() + " gave up: its slot kept changing under it", true, null);
            }
          }
        });
  }

  @Override
  public void saveAll(List<StateRecord> records) {
    guard.saveAll(records);
    if (records.isEmpty()) {
      return;
    }
    List<StateRecord> batch = records.stream().map(guard::stamp).toList();
    Long[] scopes = locks.batchKeys(batch.stream().map(r -> r.identity().identity()).toList());
    // One transaction: the batch's locks, then one statement for every record, then the commit.
    db.call(
        PgDatabase.Mode.TRANSACTION,
        () -> "saveAll of " + batch.size() + " records",
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.saveAll)) {
            p.setArray(1, c.createArrayOf("bigint", scopes));
            bindRecords(c, p, 2, batch);
            try (ResultSet rs = queryAfterLocks(p)) {
              rs.next();
              long written = rs.getLong(1);
              long replayed = rs.getLong(2);
              long conflictOrd = rs.getLong(3);
              if (!rs.wasNull()) {
                StateRecord bad = batch.get((int) conflictOrd - 1);
                throw StoreGuard.idempotencyConflict(bad, false);
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
              return null;
            }
          }
        });
  }

  @Override
  public void saveIf(List<SlotExpectation> expectations, StateRecord next) {
    guard.saveIf(expectations, next);
    conditionalWrite(
        expectations,
        List.of(next),
        () ->
            "saveIf of event id "
                + next.id().value()
                + " at "
                + StoreGuard.describe(next.identity(), next.kind()));
  }

  @Override
  public void saveBatchIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
    guard.saveBatchIf(expectations, writes);
    conditionalWrite(expectations, writes, () -> "saveBatchIf of " + writes.size() + " records");
  }

  private void conditionalWrite(
      List<SlotExpectation> expectations, List<StateRecord> writes, Supplier<String> what) {
    List<StateRecord> stamped = writes.stream().map(guard::stamp).toList();
    SlotLocks.Keys keys =
        locks.keys(
            expectations.stream().map(e -> new SlotLocks.Slot(e.identity(), e.kind())).toList());
    db.call(
        PgDatabase.Mode.TRANSACTION,
        what,
        (c, a) -> {
          // 1. every expectation, 2. the idempotency of every write, before the first mutation
          // (SPEC 4.4, 4.5); the locks keep every expected slot as read until the commit.
          String[] current = new String[expectations.size()];
          Map<String, StateRecord> live = new HashMap<>();
          readConditions(c, keys, expectations, stamped, current, live);
          for (int i = 0; i < expectations.size(); i++) {
            SlotExpectation e = expectations.get(i);
            String expected = e.expectsAbsent() ? null : e.expectedEventId().value();
            if (!Objects.equals(expected, current[i])) {
              throw StoreGuard.conditionFailed(e, current[i]);
            }
          }
          List<StateRecord> toWrite = new ArrayList<>();
          for (StateRecord w : stamped) {
            StateRecord held = live.get(w.id().value());
            if (held == null) {
              toWrite.add(w);
            } else if (!held.sameContent(w)) {
              throw StoreGuard.idempotencyConflict(
                  w, held.identity().equals(w.identity()) && held.kind().equals(w.kind()));
            }
          }
          if (toWrite.isEmpty()) {
            return null;
          }
          Map<SlotLocks.Slot, String> expectedBySlot = new HashMap<>();
          for (SlotExpectation e : expectations) {
            expectedBySlot.put(
                new SlotLocks.Slot(e.identity(), e.kind()),
                e.expectsAbsent() ? null : e.expectedEventId().value());
          }
          try (PreparedStatement p = c.prepareStatement(sql.writeConditional)) {
            int i = bindRecords(c, p, 1, toWrite);
            String[] expected =
                toWrite.stream()
                    .map(w -> expectedBySlot.get(new SlotLocks.Slot(w.identity(), w.kind())))
                    .toArray(String[]::new);
            p.setArray(i, c.createArrayOf("text", expected));
            try (ResultSet rs = p.executeQuery()) {
              rs.next();
              if (rs.getLong(1) != toWrite.size()) {
                // An unconditional save or delete changed a written slot after our read: its
                // expectation no longer holds.
                // Under the slot locks only a writer outside the protocol (a store of an older
                // version on this schema) can have changed a slot since the read.
                throw new ConditionFailedException(
                    what.get()
                        + " failed: a slot changed concurrently, so its"
                        + " expectation no longer holds; nothing was changed");
              }
            }
          }
          return null;
        });
  }

  private void readConditions(
      Connection c,
      SlotLocks.Keys keys,
      List<SlotExpectation> expectations,
      List<StateRecord> writes,
      String[] current,
      Map<String, StateRecord> live)
      throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql.readConditions)) {
      int n = expectations.size();
      String[][] cols = new String[5][n];
      for (int i = 0; i < n; i++) {
        SlotExpectation e = expectations.get(i);
        cols[0][i] = e.identity().tenantId();
        cols[1][i] = e.identity().userId();
        cols[2][i] = e.identity().sessionId();
        cols[3][i] = e.identity().runId();
        cols[4][i] = e.kind();
      }
      int i = bindLocks(c, p, keys);
      for (int k = 0; k < 5; k++) {
        p.setArray(i++, c.createArrayOf("text", cols[k]));
      }
      p.setArray(
          i,
          c.createArrayOf("text", writes.stream().map(w -> w.id().value()).toArray(String[]::new)));
      try (ResultSet rs = queryAfterLocks(p)) {
        while (rs.next()) {
          int ord = (int) rs.getLong(1);
          String eventId = rs.getString(2);
          if (ord > 0) {
            current[ord - 1] = eventId;
          } else {
            live.put(
                eventId,
                new StateRecord(
                    EventId.of(eventId),
                    new Quadruple(
                        rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)),
                    rs.getString(7),
                    rs.getLong(8),
                    rs.getBytes(9),
                    null));
          }
        }
      }
    }
  }

  @Override
  public boolean deleteIf(SlotExpectation expectation) {
    guard.deleteIf(expectation);
    SlotLocks.Keys keys = locks.keys(expectation.identity(), expectation.kind());
    Supplier<String> what =
        () ->
            "deleteIf of event id "
                + expectation.expectedEventId().value()
                + " at "
                + StoreGuard.describe(expectation.identity(), expectation.kind());
    return db.call(
        PgDatabase.Mode.TRANSACTION,
        what,
        (c, a) -> {
          // Under the slot's lock no other write changes the slot, so the generation that is
          // checked is the one deleted.
          try (PreparedStatement p = c.prepareStatement(sql.deleteIf)) {
            int i = bindSlot(p, bindLocks(p, keys), expectation.identity(), expectation.kind());
            p.setString(i, expectation.expectedEventId().value());
            return updateAfterLocks(p) == 1;
          }
        });
  }

  @Override
  public void fenceIf(SlotExpectation expectation, Runnable action) {
    guard.fenceIf(expectation, action);
    SlotLocks.Keys keys = locks.keys(expectation.identity(), expectation.kind());
    Supplier<String> what =
        () ->
            "fenceIf on event id "
                + expectation.expectedEventId().value()
                + " at "
                + StoreGuard.describe(expectation.identity(), expectation.kind());
    Throwable[] thrown = new Throwable[1];
    // The transaction (and with it the advisory lock and the connection) stays open while the
    // action runs; it is
    // rolled back afterwards, since the fence writes nothing.
    try {
      fence(expectation, action, keys, what, thrown);
    } catch (RuntimeException e) {
      if (thrown[0] == null) {
        throw e;
      }
      // The action failed and then releasing failed too: the action's failure is the one the caller
      // must see.
      thrown[0].addSuppressed(e);
    }
    if (thrown[0] instanceof RuntimeException e) {
      throw e;
    }
    if (thrown[0] instanceof Error e) {
      throw e;
    }
  }

  private void fence(
      SlotExpectation expectation,
      Runnable action,
      SlotLocks.Keys keys,
      Supplier<String> what,
      Throwable[] thrown) {
    db.call(
        PgDatabase.Mode.READ_ONLY_TRANSACTION,
        what,
        (c, a) -> {
          String current;
          try (PreparedStatement p = c.prepareStatement(sql.slotEventId)) {
            bindSlot(p, bindLocks(p, keys), expectation.identity(), expectation.kind());
            try (ResultSet rs = queryAfterLocks(p)) {
              current = rs.next() ? rs.getString(1) : null;
            }
          }
          if (!expectation.expectedEventId().value().equals(current)) {
            throw StoreGuard.conditionFailed(expectation, current);
          }
          a.noRetry(); // the action runs at most once
          try {
            action.run();
          } catch (RuntimeException | Error e) {
            thrown[0] = e; // released first, then rethrown unchanged
          }
          return null;
        });
  }

  @Override
  public void delete(Quadruple identity, String kind) {
    guard.slot(identity, kind);
    db.call(
        PgDatabase.Mode.IDEMPOTENT_WRITE,
        () -> "delete of " + StoreGuard.describe(identity, kind),
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.delete)) {
            bindSlot(p, bindLocks(p, locks.keys(identity, kind)), identity, kind);
            return updateAfterLocks(p);
          }
        });
  }

  @Override
  public int deleteScope(Identity identity) {
    guard.deleteScope(identity);
    Supplier<String> what =
        () ->
            "deleteScope of ("
                + identity.tenantId()
                + ", "
                + identity.userId()
                + ", "
                + identity.sessionId()
                + ")";
    long scopeKey = locks.scopeKey(identity);
    // A transaction, not autocommit: a lost connection before the commit can then be retried
    // without losing the count. The scope's lock, exclusive, waits for the writes into the scope
    // in flight and holds back new ones, so the erase is one step against every write.
    return db.call(
        PgDatabase.Mode.TRANSACTION,
        what,
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.deleteScope)) {
            p.setLong(1, scopeKey);
            RecordRows.bindIdentity(p, 2, identity);
            return updateAfterLocks(p);
          }
        });
  }

  // ---- reads ----

  @Override
  public Optional<StateRecord> find(Quadruple identity, String kind) {
    guard.slot(identity, kind);
    return db.call(
        PgDatabase.Mode.READ,
        () -> "find of " + StoreGuard.describe(identity, kind),
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.find)) {
            bindSlot(p, 1, identity, kind);
            return ROWS.first(p);
          }
        });
  }

  @Override
  public StateRecord load(Quadruple identity, String kind) {
    return find(identity, kind)
        .orElseThrow(
            () ->
                new RecordNotFoundException("no record at " + StoreGuard.describe(identity, kind)));
  }

  @Override
  public Optional<StateRecord> findByEventId(EventId eventId) {
    guard.eventId(eventId);
    return db.call(
        PgDatabase.Mode.READ,
        () -> "findByEventId of " + eventId.value(),
        (c, a) -> findByEventId(c, eventId));
  }

  private Optional<StateRecord> findByEventId(Connection c, EventId eventId) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql.findByEventId)) {
      p.setString(1, eventId.value());
      return ROWS.first(p);
    }
  }

  @Override
  public StateRecord loadByEventId(EventId eventId) {
    return findByEventId(eventId)
        .orElseThrow(
            () -> new RecordNotFoundException("no live record with event id " + eventId.value()));
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix) {
    guard.listKind(scope, kindPrefix);
    return db.call(
        PgDatabase.Mode.READ,
        () -> "listKind of prefix " + kindPrefix,
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.listKind)) {
            bindPrefix(p, 1, kindPrefix);
            return ROWS.all(p);
          }
        });
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix, int limit) {
    guard.listKind(scope, kindPrefix, limit);
    return db.call(
        PgDatabase.Mode.READ,
        () -> "listKind of prefix " + kindPrefix,
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.listKindLimit)) {
            int i = bindPrefix(p, 1, kindPrefix);
            p.setInt(i, limit);
            return ROWS.all(p);
          }
        });
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix) {
    guard.listKindForIdentity(identity, kindPrefix);
    return db.call(
        PgDatabase.Mode.READ,
        () -> "listKindForIdentity of " + identity,
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.listIdentity)) {
            bindPrefix(p, bindQuadruple(p, 1, identity), kindPrefix);
            return ROWS.all(p);
          }
        });
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    guard.listKindForIdentity(identity, kindPrefix, limit);
    return db.call(
        PgDatabase.Mode.READ,
        () -> "listKindForIdentity of " + identity,
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.listIdentityLimit)) {
            int i = bindPrefix(p, bindQuadruple(p, 1, identity), kindPrefix);
            p.setInt(i, limit);
            return ROWS.all(p);
          }
        });
  }

  @Override
  public ScanPage scanKindForTenant(
      ListScope scope, String tenantId, String kindPrefix, int limit, String continuation) {
    Optional<ScanContinuations.Position> after =
        guard.scan(scope, tenantId, kindPrefix, limit, continuation);
    List<StateRecord> rows =
        db.call(
            PgDatabase.Mode.READ,
            () -> "scanKindForTenant of tenant " + tenantId,
            (c, a) -> {
              try (PreparedStatement p =
                  c.prepareStatement(after.isPresent() ? sql.scanAfter : sql.scanFirst)) {
                p.setString(1, tenantId);
                int i = bindPrefix(p, 2, kindPrefix);
                if (after.isPresent()) {
                  i = RecordRows.bindPosition(p, i, after.get());
                }
                p.setInt(i, limit + 1);
                return ROWS.all(p);
              }
            });
    return ScanContinuations.page(scope, tenantId, kindPrefix, limit, rows);
  }

  @Override
  public ScanPage scanAll(ListScope scope, int limit, String continuation) {
    Optional<StateRecord> after = guard.scanAll(scope, limit, continuation);
    List<StateRecord> rows =
        db.call(
            PgDatabase.Mode.READ,
            () -> "scanAll",
            (c, a) -> {
              try (PreparedStatement p =
                  c.prepareStatement(after.isPresent() ? sql.scanAllAfter : sql.scanAllFirst)) {
                int i =
                    after.isPresent()
                        ? bindSlot(p, 1, after.get().identity(), after.get().kind())
                        : 1;
                p.setInt(i, limit + 1);
                return ROWS.all(p);
              }
            });
    return ScanContinuations.pageAll(scope, limit, rows);
  }

  @Override
  public String driverName() {
    if (guard.isClosed()) {
      throw guard.closedException();
    }
    return DRIVER;
  }

  @Override
  public void close() {
    // Closed first, so calls racing with close fail as closed rather than on a closing pool.
    if (guard.markClosed()) {
      db.close();
    }
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
  private static int bindLocks(Connection c, PreparedStatement p, SlotLocks.Keys keys)
      throws SQLException {
    p.setArray(1, c.createArrayOf("bigint", keys.scopes()));
    p.setArray(2, c.createArrayOf("bigint", keys.slots()));
    return 3;
  }

  /**
   * Runs a statement that takes locks first ({@link PgSql#LOCK_SLOT} and its siblings) and returns
   * the update count of the statement proper.
   */
  private static int updateAfterLocks(PreparedStatement p) throws SQLException {
    p.execute(); // the locks' one row
    if (p.getMoreResults()) {
      throw new IllegalStateException("expected an update count after the locks");
    }
    return p.getUpdateCount();
  }

  /** Runs a statement that takes locks first and returns the rows of the query proper. */
  private static ResultSet queryAfterLocks(PreparedStatement p) throws SQLException {
    p.execute(); // the locks' one row
    if (!p.getMoreResults()) {
      throw new IllegalStateException("expected rows after the locks");
    }
    return p.getResultSet();
  }

  /** Binds a record's event id, version, payload and updatedAt, after its slot. */
  private static void bindContent(PreparedStatement p, int i, StateRecord r) throws SQLException {
    p.setString(i++, r.id().value());
    p.setLong(i++, r.version());
    p.setBytes(i++, r.bytes());
    p.setString(i, PgTimestamps.text(r.updatedAt()));
  }

  private static int bindPrefix(PreparedStatement p, int i, String prefix) throws SQLException {
    p.setString(i++, prefix);
    p.setString(i++, KindRange.upper(prefix));
    p.setString(i++, prefix);
    return i;
  }

  /**
   * Binds the nine record columns as arrays (the unnest form of saveAll and the conditional
   * writes).
   */
  private static int bindRecords(Connection c, PreparedStatement p, int i, List<StateRecord> rs)
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
      text[6][j] = PgTimestamps.text(r.updatedAt());
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
