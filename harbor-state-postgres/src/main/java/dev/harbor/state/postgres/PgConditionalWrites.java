package dev.harbor.state.postgres;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.postgres.PgDatabase.Mode;
import dev.harbor.state.spi.StoreDriver;
import dev.harbor.state.spi.StoreErrors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The conditional writes of {@link PgStore} (saveIf, saveBatchIf): the expectations and the
 * idempotency of every write read under the slots' locks, then the writes on the expected slot
 * generations; and the naming of a conflict the event-id index refused.
 */
final class PgConditionalWrites {

  private final PgDatabase db;
  private final PgSql sql;
  private final SlotLocks locks;

  PgConditionalWrites(PgDatabase db, PgSql sql, SlotLocks locks) {
    this.db = db;
    this.sql = sql;
    this.locks = locks;
  }

  /**
   * {@link StoreDriver#saveIf}: the expectations checked and the writes made in one transaction.
   */
  void saveIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
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
  IdempotencyConflictException named(IdempotencyConflictException e, List<StateRecord> writes) {
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
      int i = PgStore.bindRecords(c, p, 1, toWrite);
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
  static @Nullable String expectedId(SlotExpectation e) {
    EventId expected = e.expectedEventId();
    return expected == null ? null : expected.value();
  }

  /** Whether a live record holding a write's event id is at the write's own slot. */
  static boolean sameSlot(StateRecord held, StateRecord write) {
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
      int i = PgStore.bindLocks(c, p, keys);
      for (int k = 0; k < 5; k++) {
        p.setArray(i++, c.createArrayOf("text", cols[k]));
      }
      p.setArray(
          i,
          c.createArrayOf("text", writes.stream().map(w -> w.id().value()).toArray(String[]::new)));
      try (ResultSet rs = PgStore.queryAfterLocks(p, true)) { // either way, a table lock too
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
}
