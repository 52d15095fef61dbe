package dev.harbor.state.postgres;

import static dev.harbor.state.sql.RecordRows.bindQuadruple;
import static dev.harbor.state.sql.RecordRows.bindSlot;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStoreException;
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
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  private static final RecordRows ROWS =
      new RecordRows((rs, column) -> PgTimestamps.parse(rs.getString(column)));

  private final PgDatabase db;
  private final PgSql sql;
  private final SlotLocks locks;
  private final PgRetention retention;
  private final Duration operationTimeout;
  // Concurrent saves and deletes share a commit through it; null with groupCommit=off.
  private final @Nullable PgGroupCommit groups;

  PgStore(PgDatabase db, PgSettings settings, StoreContext context) {
    this.db = db;
    this.operationTimeout = settings.operationTimeout();
    this.sql = new PgSql(settings.quotedSchema());
    this.locks = new SlotLocks(settings.schema());
    this.retention = new PgRetention(db, sql.table, locks);
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
   * lock, and the row the upsert found holding this event id stays locked to the commit (ON
   * CONFLICT DO UPDATE locks the row even where its WHERE is false), so the slot cannot change
   * between the write and the check below.
   *
   * @throws dev.harbor.state.IdempotencyConflictException if the event id is live with other
   *     content
   */
  private void saveUnderLocks(
      Connection c, SlotLocks.Keys keys, StateRecord r, Supplier<String> what) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql.save)) {
      int i = bindSlot(p, bindLocks(p, keys), r.identity(), r.kind());
      bindContent(p, i, r);
      if (updateAfterLocks(p) == 1) {
        return;
      }
    }
    // Nothing written: the slot held this event id. The same write again is a no-op; other
    // content a conflict.
    Optional<StateRecord> held = findByEventId(c, r.id());
    if (held.isEmpty()) {
      // Only a writer outside the locking protocol (a store of an older version on this schema)
      // can have changed the slot under the locks. Rolled back.
      throw new StorageException(
          what.get() + " found its slot changed concurrently; nothing was changed", true, null);
    }
    if (!held.get().sameContent(r)) {
      throw StoreErrors.idempotencyConflict(r, sameSlot(held.get(), r));
    }
  }

  @Override
  public void saveAll(List<StateRecord> batch) {
    try {
      saveAllScoped(batch);
    } catch (IdempotencyConflictException e) {
      throw named(e, batch);
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
    Supplier<String> what =
        writes.size() == 1
            ? () ->
                "saveIf of event id "
                    + writes.get(0).id().value()
                    + " at "
                    + StoreErrors.describe(writes.get(0).identity(), writes.get(0).kind())
            : () -> "saveBatchIf of " + writes.size() + " records";
    SlotLocks.Keys slotKeys =
        locks.boundedKeys(
            expectations.stream().map(e -> new SlotLocks.Slot(e.identity(), e.kind())).toList());
    List<String> tenants = new ArrayList<>();
    expectations.forEach(e -> tenants.add(e.identity().tenantId()));
    writes.forEach(w -> tenants.add(w.identity().tenantId()));
    try {
      saveIfScoped(expectations, writes, what, slotKeys, PgScope.tenants(tenants));
    } catch (IdempotencyConflictException e) {
      throw named(e, writes);
    }
  }

  private void saveIfScoped(
      List<SlotExpectation> expectations,
      List<StateRecord> writes,
      Supplier<String> what,
      SlotLocks.Keys slotKeys,
      PgScope scope) {
    // Beyond the lock budget even escalated (scopes of many tenants): the table's lock instead.
    boolean wholeTable = slotKeys.exceedsBudget();
    SlotLocks.Keys keys = wholeTable ? new SlotLocks.Keys(new Long[0], new Long[0]) : slotKeys;
    db.run(
        Mode.TRANSACTION,
        scope,
        what,
        (c, a) -> {
          // 1. every expectation, 2. the idempotency of every write, before the first mutation
          // (CONTRACT.md 4.4, 4.5); the locks keep every expected slot as read until the commit.
          String[] current = new String[expectations.size()];
          Map<String, StateRecord> live = new HashMap<>();
          readConditions(c, keys, wholeTable, expectations, writes, current, live);
          for (int i = 0; i < expectations.size(); i++) {
            SlotExpectation e = expectations.get(i);
            if (!Objects.equals(expectedId(e), current[i])) {
              throw StoreErrors.conditionFailed(e, current[i]);
            }
          }
          List<StateRecord> toWrite = new ArrayList<>();
          for (StateRecord w : writes) {
            StateRecord held = live.get(w.id().value());
            if (held == null) {
              toWrite.add(w);
            } else if (!held.sameContent(w)) {
              throw StoreErrors.idempotencyConflict(w, sameSlot(held, w));
            }
          }
          if (!toWrite.isEmpty()) {
            writeConditional(c, expectations, toWrite, what);
          }
          return;
        });
  }

  /**
   * The conflict of a batch or conditional write that the event-id index refused (23505), worded as
   * its own probe words one, naming the first write whose id is live at another slot. Under {@code
   * rowSecurity=on} the probe cannot see another tenant's row, so this is how a live id of another
   * tenant is reported: alike, and naming nothing of theirs (SPEC 9.2). A declared maintenance read
   * of the writes' own ids, their slots only (no payload), on the conflict path only; a conflict
   * the probe itself found is returned as it is.
   */
  private IdempotencyConflictException named(
      IdempotencyConflictException e, List<StateRecord> writes) {
    if (!(e.getCause() instanceof SQLException)) {
      return e;
    }
    Map<String, SlotLocks.Slot> live;
    try {
      live = liveSlots(writes);
    } catch (StateStoreException naming) {
      e.addSuppressed(naming); // the conflict stands; only its wording could not be settled
      return e;
    }
    for (StateRecord w : writes) {
      SlotLocks.Slot at = live.get(w.id().value());
      if (at != null && !at.equals(new SlotLocks.Slot(w.identity(), w.kind()))) {
        IdempotencyConflictException named = StoreErrors.idempotencyConflict(w, false);
        named.addSuppressed(e);
        return named;
      }
    }
    return e; // the id that was live is gone again: the index's own answer
  }

  /** Where the writes' event ids are live now, in any tenant: their slots, never a payload. */
  private Map<String, SlotLocks.Slot> liveSlots(List<StateRecord> writes) {
    return db.call(
        Mode.READ,
        PgScope.ALL,
        () -> "naming the conflicting event id of " + writes.size() + " writes",
        (c, a) -> {
          Map<String, SlotLocks.Slot> found = new HashMap<>();
          try (PreparedStatement p = c.prepareStatement(sql.liveSlots)) {
            p.setArray(
                1,
                c.createArrayOf(
                    "text", writes.stream().map(w -> w.id().value()).toArray(String[]::new)));
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                found.put(
                    rs.getString(1),
                    new SlotLocks.Slot(
                        new Quadruple(
                            rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)),
                        rs.getString(6)));
              }
            }
          }
          return found;
        });
  }

  /** Writes what a conditional write found to be due, each on the slot generation it expected. */
  private void writeConditional(
      Connection c,
      List<SlotExpectation> expectations,
      List<StateRecord> toWrite,
      Supplier<String> what)
      throws SQLException {
    Map<SlotLocks.Slot, String> expectedBySlot = new HashMap<>();
    for (SlotExpectation e : expectations) {
      expectedBySlot.put(new SlotLocks.Slot(e.identity(), e.kind()), expectedId(e));
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
          // Under the slot locks only a writer outside the protocol (a store of an older version
          // on this schema) can have changed a written slot since the read: its expectation no
          // longer holds.
          throw new ConditionFailedException(
              what.get()
                  + " failed: a slot changed concurrently, so its"
                  + " expectation no longer holds; nothing was changed");
        }
      }
    }
  }

  /** The event id an expectation expects, {@code null} for "absent". */
  private static @Nullable String expectedId(SlotExpectation e) {
    EventId expected = e.expectedEventId();
    return expected == null ? null : expected.value();
  }

  /** Whether a live record holding a write's event id is at the write's own slot. */
  private static boolean sameSlot(StateRecord held, StateRecord write) {
    return held.identity().equals(write.identity()) && held.kind().equals(write.kind());
  }

  private void readConditions(
      Connection c,
      SlotLocks.Keys keys,
      boolean wholeTable,
      List<SlotExpectation> expectations,
      List<StateRecord> writes,
      String[] current,
      Map<String, StateRecord> live)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(wholeTable ? sql.readConditionsWholeTable : sql.readConditions)) {
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
      try (ResultSet rs = queryAfterLocks(p, true)) { // either way, a table lock too
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
    return db.call(
        Mode.READ,
        PgScope.tenant(identity.tenantId()),
        () -> "find of " + StoreErrors.describe(identity, kind),
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.find)) {
            bindSlot(p, 1, identity, kind);
            return ROWS.firstAt(p, identity, kind);
          }
        });
  }

  @Override
  public Optional<StateRecord> findByEventId(EventId eventId) {
    // Not tenant-scoped (SPEC 4.8): a lookup across tenants, declared as such.
    return db.call(
        Mode.READ,
        PgScope.ALL,
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
  public Optional<StateRecord> findByEventId(String tenantId, EventId eventId) {
    return db.call(
        Mode.READ,
        PgScope.tenant(tenantId),
        () -> "findByEventId of " + eventId.value() + " in tenant " + tenantId,
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.findByEventIdOfTenant)) {
            p.setString(1, eventId.value());
            p.setString(2, tenantId);
            return ROWS.first(p);
          }
        });
  }

  @Override
  public List<StateRecord> listKind(String kindPrefix, int limit) {
    // Across identities and tenants: maintenance.
    return db.call(
        Mode.READ,
        PgScope.ALL,
        () -> "listKind of prefix " + kindPrefix,
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.listKind)) {
            bindLimit(p, bindPrefix(p, 1, kindPrefix), limit);
            return ROWS.all(p);
          }
        });
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    return db.call(
        Mode.READ,
        PgScope.tenant(identity.tenantId()),
        () -> "listKindForIdentity of " + identity,
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.listIdentity)) {
            bindLimit(p, bindPrefix(p, bindQuadruple(p, 1, identity), kindPrefix), limit);
            return ROWS.all(p);
          }
        });
  }

  @Override
  public List<StateRecord> scanKindForTenant(
      String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max) {
    return db.call(
        Mode.READ,
        PgScope.tenant(tenantId),
        () -> "scanKindForTenant of tenant " + tenantId,
        (c, a) -> scanKindForTenant(c, tenantId, kindPrefix, after, max));
  }

  private List<StateRecord> scanKindForTenant(
      Connection c,
      String tenantId,
      String kindPrefix,
      Optional<ScanContinuations.Position> after,
      int max)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(after.isPresent() ? sql.scanAfter : sql.scanFirst)) {
      p.setString(1, tenantId);
      return ROWS.scanPage(p, bindPrefix(p, 2, kindPrefix), after, max);
    }
  }

  @Override
  public List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
    return db.call(Mode.READ, PgScope.ALL, () -> "scanAll", (c, a) -> scanAll(c, after, max));
  }

  private List<StateRecord> scanAll(Connection c, Optional<StateRecord> after, int max)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(after.isPresent() ? sql.scanAllAfter : sql.scanAllFirst)) {
      return ROWS.scanAllPage(p, after, max);
    }
  }

  /**
   * The scans in one {@code REPEATABLE READ READ ONLY} transaction on one pooled connection ({@link
   * PgSnapshot}): the same statements as the live scans.
   */
  @Override
  public Snapshot snapshot() {
    PgSnapshot snapshot = PgSnapshot.open(db, operationTimeout);
    return new Snapshot() {
      @Override
      public List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
        return snapshot.read("scanAll", PgScope.ALL, c -> PgStore.this.scanAll(c, after, max));
      }

      @Override
      public List<StateRecord> scanKindForTenant(
          String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max) {
        return snapshot.read(
            "scanKindForTenant of tenant " + tenantId,
            PgScope.tenant(tenantId),
            c -> PgStore.this.scanKindForTenant(c, tenantId, kindPrefix, after, max));
      }

      @Override
      public void close() {
        snapshot.close();
      }
    };
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
  private static ResultSet queryAfterLocks(PreparedStatement p, boolean tableLock)
      throws SQLException {
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

  /** Binds a record's event id, version, payload and updatedAt, after its slot. */
  private static void bindContent(PreparedStatement p, int i, StateRecord r) throws SQLException {
    p.setString(i++, r.id().value());
    p.setLong(i++, r.version());
    p.setBytes(i++, r.bytes());
    p.setString(i, PgTimestamps.text(stamped(r)));
  }

  /** Binds a listing's limit; {@link StoreDriver#ALL} as NULL, which is LIMIT ALL. */
  private static void bindLimit(PreparedStatement p, int i, int limit) throws SQLException {
    if (limit == StoreDriver.ALL) {
      p.setNull(i, Types.INTEGER);
    } else {
      p.setInt(i, limit);
    }
  }

  /** The event id of an exact expectation (deleteIf's and fenceIf's, as the core checked). */
  private static String exactId(SlotExpectation e) {
    return Objects.requireNonNull(expectedId(e), "an exact expectation");
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
