package dev.harbor.state.postgres;

import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.postgres.PgDatabase.Mode;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreErrors;
import dev.harbor.state.sql.AloneLimit;
import dev.harbor.state.sql.GroupCommit;
import dev.harbor.state.sql.RecordRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Group commit on PostgreSQL: concurrent {@code save}s and {@code delete}s share one transaction, a
 * few multi-row statements over arrays and one commit.
 *
 * <p>A caller that commits alone (few are writing, or its group sent it back) runs as the write
 * does without grouping (its statement, then its own commit) and waits for its slot's lock as long
 * as its own time allows. A group, even of one, is led on others' behalf, so it waits for no lock
 * (issue 23, defect 5): it keeps the locking protocol of {@link SlotLocks} (every scope's lock
 * shared, every slot's exclusive, before it reads) but takes each lock only if it is free ({@link
 * PgSql#TRY_LOCK_SLOTS}), and writes nothing unless it took them all. A member whose lock is held
 * elsewhere (a fence on its slot, another writer of it, an erasure of its session) is sent back to
 * its caller, who commits it alone, waiting for that lock only; the group runs again without it.
 * Holding its locks, the group then:
 *
 * <ul>
 *   <li>Saves of distinct slots and event ids (the common case) run as {@link
 *       PgSql#upsertBatchIfLocked}, the statement of {@code saveAll}, in a transaction: one round
 *       trip and then its commit, writes them all (replays skipped) unless one of their event ids
 *       is live elsewhere or with other content, in which case it writes nothing.
 *   <li>Otherwise (a conflict, a delete, a slot or event id twice in the group) the group, in one
 *       transaction, reads its slots and the live records of its event ids, decides each write's
 *       outcome in arrival order against that state and the writes before it (exactly as the writes
 *       would run one after another under their locks), and writes what remains of each slot: one
 *       delete and one upsert statement.
 * </ul>
 *
 * Each caller gets its own outcome: success, a replay that writes nothing, or its own {@link
 * IdempotencyConflictException}. Should an event id reach another slot concurrently between the
 * read and the write (the unique index answers 23505 and the transaction rolls back), every member
 * of the group is sent back and commits alone. A commit whose connection broke leaves every caller
 * of the group with {@link dev.harbor.state.CommitOutcomeUnknownException}; other failures roll
 * back and are every caller's.
 *
 * <p>Conditional writes ({@code saveIf}, {@code deleteIf}, {@code fenceIf}) are not grouped here:
 * they are two round trips under their own locks already, their hot case is one contended slot,
 * where a group adds nothing, and a group would have to replay their condition reads in the client
 * as well.
 */
final class PgGroupCommit implements AutoCloseable {

  /** A grouped write. */
  sealed interface Write permits Save, Delete {
    /**
     * The slot's quadruple.
     *
     * @return the quadruple
     */
    Quadruple identity();

    /**
     * The slot's kind.
     *
     * @return the kind
     */
    String kind();
  }

  /**
   * A save.
   *
   * @param record the stamped record
   */
  record Save(StateRecord record) implements Write {
    @Override
    public Quadruple identity() {
      return record.identity();
    }

    @Override
    public String kind() {
      return record.kind();
    }
  }

  /**
   * A delete.
   *
   * @param identity the slot's quadruple
   * @param kind the slot's kind
   */
  record Delete(Quadruple identity, String kind) implements Write {}

  /** Runs one write the way it runs without grouping, within its call's deadline. */
  @FunctionalInterface
  interface Alone {
    void run(Write write, long deadline);
  }

  /**
   * The locks a group tried to take were not all free: nothing was written. Passes through {@link
   * PgDatabase#call} unchanged (it is neither an SQL failure nor an answer of the store's).
   */
  @SuppressWarnings("serial") // never serialized: caught within one commit
  private static final class Busy extends RuntimeException {
    final Set<Long> keys;

    Busy(Set<Long> keys) {
      super(null, null, false, false);
      this.keys = keys;
    }
  }

  private static final String TEXTS5 =
      "unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]),"
          + " CAST(? AS text[]))";
  private static final String JOIN_SLOT =
      "r.tenant_id = s.tenant_id COLLATE \"C\" AND r.user_id = s.user_id COLLATE \"C\""
          + " AND r.session_id = s.session_id COLLATE \"C\" AND r.run_id = s.run_id COLLATE \"C\""
          + " AND r.kind = s.kind COLLATE \"C\"";

  /**
   * Groups that may commit at once. The server merges the WAL flushes of concurrent commits, so a
   * second group in flight overlaps its round trip and flush with the first one's instead of
   * queueing behind it; measured side by side (PERFORMANCE.md, "Group commit"), two beat one at 4
   * and 16 threads, while more split the callers into groups too small to matter.
   */
  private static final int LEADERS = 2;

  /**
   * Up to how many concurrent writers each commits alone. With few writers the server is not busy
   * and overlapping lone commits beats queueing for two groups. Measured side by side on 2 cores
   * (PERFORMANCE.md, "Group commit"): with two groups in flight for any number of writers, 4
   * threads did 40 % fewer saves than with group commit off and 8 about 15 % fewer, while 16 did 50
   * % more; with up to 8 writers committing alone, 4 and 8 threads match off, 12 match it and 16
   * keep the gain. Within the default pool of 10 connections.
   */
  static final int ALONE_UP_TO = 8;

  private final PgDatabase db;
  private final SlotLocks locks;
  private final Alone alone;
  private final GroupCommit<Write> group;
  private final String fastSave;
  private final String probe;
  private final String deleteSlots;
  private final String upsertRows;

  PgGroupCommit(
      PgDatabase db,
      PgSql sql,
      SlotLocks locks,
      PgSettings settings,
      StoreContext context,
      Alone alone) {
    this.db = db;
    this.locks = locks;
    this.alone = alone;
    this.group =
        new GroupCommit<>(
            settings.groupCommit(),
            settings.operationTimeout(),
            context,
            LEADERS,
            AloneLimit.adaptive(ALONE_UP_TO, LEADERS + 1, 4 * ALONE_UP_TO),
            this::commit);
    this.fastSave = PgSql.TRY_LOCK_SLOTS + sql.upsertBatchIfLocked;
    // After the locks: the event id each of the group's slots holds (1), and the live records of
    // the group's event ids (0), which only replays and conflicts have.
    this.probe =
        PgSql.TRY_LOCK_SLOTS
            + "SELECT 1, r.tenant_id, r.user_id, r.session_id, r.run_id, r.kind, r.event_id,"
            + " CAST(NULL AS bigint), CAST(NULL AS bytea) FROM "
            + TEXTS5
            + " AS s(tenant_id, user_id, session_id, run_id, kind) JOIN "
            + sql.table
            + " r ON "
            + JOIN_SLOT
            + " UNION ALL SELECT 0, tenant_id, user_id, session_id, run_id, kind, event_id, version,"
            + " payload FROM "
            + sql.table
            + " WHERE event_id = ANY(CAST(? AS text[]) COLLATE \"C\")";
    this.deleteSlots =
        "DELETE FROM "
            + sql.table
            + " r USING "
            + TEXTS5
            + " AS s(tenant_id, user_id, session_id, run_id, kind) WHERE "
            + JOIN_SLOT;
    this.upsertRows =
        "INSERT INTO "
            + sql.table
            + " AS r ("
            + RecordRows.COLUMNS
            + ") SELECT i.tenant_id, i.user_id, i.session_id, i.run_id, i.kind, i.event_id,"
            + " i.version, i.payload, CAST(i.updated_at AS timestamptz) FROM unnest(CAST(? AS"
            + " text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]),"
            + " CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS bytea[]), CAST(? AS text[])) AS"
            + " i(tenant_id, user_id, session_id, run_id, kind, event_id, version, payload,"
            + " updated_at) ORDER BY 1, 2, 3, 4, 5 ON CONFLICT ("
            + RecordRows.KEY
            + ") DO UPDATE SET event_id = EXCLUDED.event_id, version = EXCLUDED.version,"
            + " payload = EXCLUDED.payload, updated_at = EXCLUDED.updated_at";
  }

  /**
   * Runs a save or delete, alone or with others arriving meanwhile; returns once it is durable.
   *
   * @param write the write
   */
  void write(Write write) {
    group.submit(write);
  }

  /**
   * The group commit itself, for tests that steer a group.
   *
   * @return it
   */
  GroupCommit<Write> group() {
    return group;
  }

  @Override
  public void close() {
    group.close();
  }

  private void commit(List<GroupCommit.Member<Write>> members) {
    GroupCommit.Member<Write> first = members.get(0);
    if (first.alone()) {
      alone.run(first.write(), first.deadline());
      first.succeed(null);
      return;
    }
    // Led on others' behalf: bounded by the leader's deadline, and waiting for no lock. In parts
    // whose locks are within the budget of one call (SPEC 9.3), each its own commit.
    long deadline = first.deadline();
    for (List<GroupCommit.Member<Write>> part : withinLockBudget(members)) {
      commitPart(part, deadline);
    }
  }

  /** The members in order, in parts whose scope and slot locks are at most SlotLocks.MAX_KEYS. */
  private List<List<GroupCommit.Member<Write>>> withinLockBudget(
      List<GroupCommit.Member<Write>> members) {
    List<List<GroupCommit.Member<Write>>> parts = new ArrayList<>();
    List<GroupCommit.Member<Write>> part = new ArrayList<>();
    Set<Long> scopes = new HashSet<>();
    Set<Long> slots = new HashSet<>();
    for (GroupCommit.Member<Write> m : members) {
      SlotLocks.Keys k = locks.keys(m.write().identity(), m.write().kind());
      int more = (scopes.contains(k.scopes()[0]) ? 0 : 1) + (slots.contains(k.slots()[0]) ? 0 : 1);
      if (SlotLocks.exceedsBudget(scopes.size() + slots.size() + more)) {
        parts.add(part);
        part = new ArrayList<>();
        scopes.clear();
        slots.clear();
      }
      part.add(m);
      scopes.add(k.scopes()[0]);
      slots.add(k.slots()[0]);
    }
    parts.add(part);
    return parts;
  }

  private void commitPart(List<GroupCommit.Member<Write>> members, long deadline) {
    List<GroupCommit.Member<Write>> group = members;
    while (!group.isEmpty()) {
      Set<Long> busy;
      try {
        commitHeld(group, deadline);
        return;
      } catch (Busy e) {
        busy = e.keys;
      }
      // Those whose locks are held elsewhere wait for them alone; the others go on at once.
      List<GroupCommit.Member<Write>> rest = new ArrayList<>(group.size());
      for (GroupCommit.Member<Write> m : group) {
        SlotLocks.Keys keys = locks.keys(m.write().identity(), m.write().kind());
        if (busy.contains(keys.scopes()[0]) || busy.contains(keys.slots()[0])) {
          m.goAlone();
        } else {
          rest.add(m);
        }
      }
      if (rest.size() == group.size()) {
        rest.forEach(GroupCommit.Member::goAlone); // not expected: the keys are the members'
        return;
      }
      group = rest;
    }
  }

  /**
   * Commits the group if it gets every lock it needs at once, settling each member.
   *
   * @throws Busy if a lock was held elsewhere; then nothing was written
   */
  private void commitHeld(List<GroupCommit.Member<Write>> members, long deadline) {
    List<Write> writes = members.stream().map(GroupCommit.Member::write).toList();
    List<SlotLocks.Slot> slots =
        writes.stream().map(w -> new SlotLocks.Slot(w.identity(), w.kind())).toList();
    SlotLocks.Keys keys = locks.keys(slots);
    Supplier<String> what = () -> "a shared commit of " + writes.size() + " writes";
    @Nullable RuntimeException[] outcomes;
    try {
      // The common case is one statement, then the commit, as a lone save is (a commit whose
      // answer is lost is looked up, never applied again: PgDatabase).
      if (distinctSaves(writes, slots) && fastOnce(keys, writes, deadline, what)) {
        for (GroupCommit.Member<Write> m : members) {
          m.succeed(null);
        }
        return;
      }
      outcomes =
          db.call(
              Mode.TRANSACTION,
              scopeOf(writes),
              deadline,
              what,
              (c, a) -> general(c, keys, writes, slots));
    } catch (IdempotencyConflictException e) {
      // 23505: an event id of the group reached another slot after the read; nothing was written.
      // Each caller commits its own write alone.
      members.forEach(GroupCommit.Member::goAlone);
      return;
    }
    for (int i = 0; i < members.size(); i++) {
      RuntimeException failure = outcomes[i];
      if (failure == null) {
        members.get(i).succeed(null);
      } else {
        members.get(i).fail(failure);
      }
    }
  }

  /**
   * The common case ({@link #fast}), run as its call's attempts go.
   *
   * @throws Busy if an attempt found a lock taken (nothing was written): an attempt runs again only
   *     after one that changed nothing (its commit not sent, or found rolled back: {@link
   *     PgDatabase}), so the members may be sent back to commit alone
   */
  private boolean fastOnce(
      SlotLocks.Keys keys, List<Write> writes, long deadline, Supplier<String> what) {
    return db.call(
        Mode.TRANSACTION, scopeOf(writes), deadline, what, (c, a) -> fast(c, keys, writes));
  }

  /**
   * A group's scope: its members' tenants, which may be several (the policy of {@code
   * rowSecurity=on} checks each row against the list).
   */
  private static PgScope scopeOf(List<Write> writes) {
    return PgScope.tenants(writes.stream().map(w -> w.identity().tenantId()).toList());
  }

  private static boolean distinctSaves(List<Write> writes, List<SlotLocks.Slot> slots) {
    Set<String> ids = new HashSet<>();
    for (Write w : writes) {
      if (!(w instanceof Save s) || !ids.add(s.record().id().value())) {
        return false;
      }
    }
    return new HashSet<>(slots).size() == slots.size();
  }

  /**
   * The common case in one round trip: every save written or a replay. Writes nothing if one of
   * them conflicts (the general path then decides each outcome).
   *
   * @return whether every save is settled
   */
  private boolean fast(Connection c, SlotLocks.Keys keys, List<Write> writes) throws SQLException {
    List<StateRecord> records = writes.stream().map(w -> ((Save) w).record()).toList();
    try (PreparedStatement p = c.prepareStatement(fastSave)) {
      p.setArray(1, c.createArrayOf("bigint", keys.scopes()));
      p.setArray(2, c.createArrayOf("bigint", keys.slots()));
      PgStore.bindRecords(c, p, 3, records);
      try (ResultSet rs = afterTriedLocks(p)) {
        rs.next();
        long written = rs.getLong(1);
        long replayed = rs.getLong(2);
        rs.getLong(3);
        return rs.wasNull() && written + replayed == records.size();
      }
    }
  }

  /** What a group's read found of a live record: its slot and content. */
  // An array, not a list: compared with Arrays.equals where needed; nothing compares two Helds.
  @SuppressWarnings("ArrayRecordComponent")
  private record Held(SlotLocks.Slot slot, long version, byte[] bytes) {}

  /**
   * Every other group, in one transaction: reads the group's slots and live event ids under its
   * locks, decides each write in arrival order, writes what remains of each slot.
   *
   * @return each write's own failure, or null for success
   */
  private @Nullable RuntimeException[] general(
      Connection c, SlotLocks.Keys keys, List<Write> writes, List<SlotLocks.Slot> slots)
      throws SQLException {
    // The state the group starts from, read under its locks.
    Map<SlotLocks.Slot, @Nullable String> held = new HashMap<>();
    for (SlotLocks.Slot s : slots) {
      held.put(s, null);
    }
    Map<String, Held> live = new HashMap<>();
    read(c, keys, slots, writes, held, live);
    Map<SlotLocks.Slot, @Nullable String> initial = new HashMap<>(held);

    // Each write in arrival order against that state and the writes before it.
    @Nullable RuntimeException[] outcomes = new RuntimeException[writes.size()];
    Map<SlotLocks.Slot, @Nullable StateRecord> last = new LinkedHashMap<>();
    for (int i = 0; i < writes.size(); i++) {
      Write w = writes.get(i);
      SlotLocks.Slot slot = slots.get(i);
      if (w instanceof Save s) {
        StateRecord r = s.record();
        Held h = live.get(r.id().value());
        if (h != null) {
          boolean sameSlot = h.slot().equals(slot);
          if (!sameSlot || h.version() != r.version() || !Arrays.equals(h.bytes(), r.bytes())) {
            outcomes[i] = StoreErrors.idempotencyConflict(r, sameSlot);
          }
          continue; // a replay: nothing to write
        }
        String previous = held.get(slot);
        if (previous != null) {
          live.remove(previous);
        }
        held.put(slot, r.id().value());
        live.put(r.id().value(), new Held(slot, r.version(), r.bytes()));
        last.put(slot, r);
      } else {
        String previous = held.get(slot);
        if (previous != null) {
          live.remove(previous);
        }
        held.put(slot, null);
        last.put(slot, null);
      }
    }

    // What remains of each slot. A slot is emptied first if it ends deleted, or if its event id
    // moves to another slot of the group (the unique index checks each row as it is written).
    Map<String, SlotLocks.Slot> initiallyAt = new HashMap<>();
    initial.forEach(
        (slot, id) -> {
          if (id != null) {
            initiallyAt.put(id, slot);
          }
        });
    List<SlotLocks.Slot> empty = new ArrayList<>();
    List<StateRecord> upserts = new ArrayList<>();
    Set<SlotLocks.Slot> emptied = new HashSet<>();
    last.forEach(
        (slot, r) -> {
          if (r == null) {
            if (emptied.add(slot)) {
              empty.add(slot);
            }
            return;
          }
          upserts.add(r);
          SlotLocks.Slot from = initiallyAt.get(r.id().value());
          if (from != null && !from.equals(slot) && emptied.add(from)) {
            empty.add(from);
          }
        });
    if (!empty.isEmpty()) {
      try (PreparedStatement p = c.prepareStatement(deleteSlots)) {
        bindSlots(c, p, 1, empty);
        p.executeUpdate();
      }
    }
    if (!upserts.isEmpty()) {
      try (PreparedStatement p = c.prepareStatement(upsertRows)) {
        PgStore.bindRecords(c, p, 1, upserts);
        p.executeUpdate();
      }
    }
    return outcomes;
  }

  /** Reads, under the group's locks, the event id of each slot and the live records of its ids. */
  private void read(
      Connection c,
      SlotLocks.Keys keys,
      List<SlotLocks.Slot> slots,
      List<Write> writes,
      Map<SlotLocks.Slot, @Nullable String> held,
      Map<String, Held> live)
      throws SQLException {
    try (PreparedStatement p = c.prepareStatement(probe)) {
      p.setArray(1, c.createArrayOf("bigint", keys.scopes()));
      p.setArray(2, c.createArrayOf("bigint", keys.slots()));
      int i = bindSlots(c, p, 3, slots.stream().distinct().toList());
      String[] ids =
          writes.stream()
              .filter(Save.class::isInstance)
              .map(w -> ((Save) w).record().id().value())
              .distinct()
              .toArray(String[]::new);
      p.setArray(i, c.createArrayOf("text", ids));
      try (ResultSet rs = afterTriedLocks(p)) {
        while (rs.next()) {
          SlotLocks.Slot slot =
              new SlotLocks.Slot(
                  new Quadruple(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)),
                  rs.getString(6));
          String eventId = rs.getString(7);
          if (rs.getInt(1) == 1) {
            held.put(slot, eventId);
          } else {
            live.put(
                eventId,
                new Held(slot, rs.getLong(8), Objects.requireNonNull(rs.getBytes(9), "payload")));
          }
        }
      }
    }
  }

  /** Binds slots as five text arrays. */
  private static int bindSlots(Connection c, PreparedStatement p, int i, List<SlotLocks.Slot> slots)
      throws SQLException {
    int n = slots.size();
    String[][] cols = new String[5][n];
    for (int j = 0; j < n; j++) {
      SlotLocks.Slot s = slots.get(j);
      cols[0][j] = s.identity().tenantId();
      cols[1][j] = s.identity().userId();
      cols[2][j] = s.identity().sessionId();
      cols[3][j] = s.identity().runId();
      cols[4][j] = s.kind();
    }
    for (int k = 0; k < 5; k++) {
      p.setArray(i++, c.createArrayOf("text", cols[k]));
    }
    return i;
  }

  /**
   * Runs a statement that tries the locks first ({@link PgSql#TRY_LOCK_SLOTS}) and returns the rows
   * of the query proper.
   *
   * @throws Busy if a lock was held elsewhere (the query proper then wrote nothing)
   */
  private static ResultSet afterTriedLocks(PreparedStatement p) throws SQLException {
    p.execute();
    ResultSet locked = p.getResultSet(); // the locks' one row: the keys not taken
    locked.next();
    Set<Long> busy = new HashSet<>(Arrays.asList((Long[]) locked.getArray(1).getArray()));
    if (!busy.isEmpty()) {
      throw new Busy(busy);
    }
    if (!p.getMoreResults()) {
      throw new IllegalStateException("expected rows after the locks");
    }
    return p.getResultSet();
  }
}
