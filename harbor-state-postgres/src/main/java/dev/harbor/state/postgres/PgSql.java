package dev.harbor.state.postgres;

import dev.harbor.state.sql.MigrationPlan;
import dev.harbor.state.sql.RecordRows;
import java.util.Collections;

/**
 * The SQL of one store, built once for its schema. Every statement names the schema, so nothing
 * depends on {@code search_path}; every value is a parameter.
 *
 * <p>Text parameters are cast to {@code text COLLATE "C"} so comparisons with the key columns (also
 * {@code "C"}) use UTF-8 byte order and can use the indexes. A kind prefix is matched with a
 * half-open range {@code [prefix, upper)} computed by {@link KindRange} (index-friendly) and, as a
 * second, literal check, {@code starts_with}.
 */
final class PgSql {

  static final String RECORDS = RecordRows.TABLE;
  static final String MIGRATIONS = MigrationPlan.LEDGER;

  /** The UNIQUE constraint on event_id; a unique violation naming it is an idempotency conflict. */
  static final String EVENT_ID_CONSTRAINT = "harbor_state_records_event_id_key";

  private static final String COLS = RecordRows.COLUMNS;

  /**
   * The selected columns: {@link RecordRows#COLUMNS} with {@code updated_at} as text that {@link
   * PgTimestamps#parse} reads exactly. pgjdbc's own conversion to {@code OffsetDateTime} misreads
   * the first instants PostgreSQL holds (as {@code OffsetDateTime.MIN}) and leap days of BC years.
   */
  private static final String SELECTED =
      "tenant_id, user_id, session_id, run_id, kind, event_id, version, payload, "
          + PgTimestamps.SELECT_UTC_TEXT;

  private static final String PK = RecordRows.KEY;
  static final String TXT = "CAST(? AS text) COLLATE \"C\"";
  static final String PREFIX =
      "kind >= " + TXT + " AND kind < " + TXT + " AND starts_with(kind, " + TXT + ")";
  private static final String IDENTITY =
      "tenant_id = " + TXT + " AND user_id = " + TXT + " AND session_id = " + TXT;
  private static final String QUADRUPLE = IDENTITY + " AND run_id = " + TXT;
  private static final String SLOT = QUADRUPLE + " AND kind = " + TXT;

  /** A row of {@code n} text parameters, {@code (TXT, …)}: the position after a continuation. */
  private static String texts(int n) {
    return "(" + String.join(", ", Collections.nCopies(n, TXT)) + ")";
  }

  /**
   * The locks of a write of one slot (SlotLocks): its scope shared, then the slot exclusive. A
   * statement that follows in the same string runs in the same transaction, on a snapshot taken
   * after the locks were granted (READ COMMITTED takes one per statement), so it sees every write
   * that held them before.
   */
  static final String LOCK_SLOT =
      "SELECT pg_advisory_xact_lock_shared(?), pg_advisory_xact_lock(?); ";

  /**
   * The locks of a write of several slots: their scopes shared, then the slots exclusive, each
   * array sorted (unnest keeps array order), so every caller takes them in one global order.
   */
  static final String LOCK_SLOTS =
      "SELECT (SELECT count(pg_advisory_xact_lock_shared(k)) FROM unnest(CAST(? AS bigint[])) AS k),"
          + " (SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(? AS bigint[])) AS k); ";

  /**
   * The locks of a group commit's slots (issue 23, defect 5): as {@link #LOCK_SLOTS}, but each
   * taken only if it is free at once, never waited for, so a group never waits on behalf of one
   * member for a lock another transaction holds (a fence, another writer of the slot, an erasure of
   * its session). Its one row: the keys it could not take (empty if it took every lock). It also
   * notes in the transaction whether it took every lock ({@link #HOLDS_LOCKS}), so a statement that
   * follows in the same round trip can write only then. Taken without waiting, in any order, they
   * cannot deadlock.
   */
  static final String TRY_LOCK_SLOTS =
      "SELECT b.keys, set_config('harbor_state.holds_locks', CAST(cardinality(b.keys) = 0 AS text),"
          + " true) FROM (SELECT ARRAY(SELECT k FROM unnest(CAST(? AS bigint[])) AS k"
          + " WHERE NOT pg_try_advisory_xact_lock_shared(k)) || ARRAY(SELECT k FROM"
          + " unnest(CAST(? AS bigint[])) AS k WHERE NOT pg_try_advisory_xact_lock(k)) AS keys) b; ";

  /** True in a transaction whose {@link #TRY_LOCK_SLOTS} took every lock it tried. */
  static final String HOLDS_LOCKS = "current_setting('harbor_state.holds_locks') = 'true'";

  /**
   * The locks of a batch: its scopes exclusive, which holds back every other write into them (each
   * takes its scope shared) and so stands for the slot locks. Scopes are buckets of a tenant's
   * sessions (SlotLocks), so a batch takes at most 16 locks per tenant however many sessions it
   * writes, which keeps every call within its share of PostgreSQL's shared lock table (SPEC 9.3).
   */
  static final String LOCK_SCOPES =
      "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(? AS bigint[])) AS k; ";

  /** The lock of a scope's erasure: exclusive, so no write into the scope runs beside it. */
  static final String LOCK_SCOPE = "SELECT pg_advisory_xact_lock(?); ";

  private static final String OVERWRITE =
      "SET event_id = EXCLUDED.event_id, version = EXCLUDED.version,"
          + " payload = EXCLUDED.payload, updated_at = EXCLUDED.updated_at";

  final String table;
  final String find;
  final String findByEventId;
  final String findByEventIdOfTenant;
  final String save;
  final String saveAll;
  final String saveAllWholeTable;
  final String upsertBatch;
  final String upsertBatchIfLocked;
  final String delete;
  final String deleteIf;
  final String deleteScope;
  final String listKind;
  final String listIdentity;
  final String scanFirst;
  final String scanAfter;
  final String scanAllFirst;
  final String scanAllAfter;
  final String readConditions;
  final String readConditionsWholeTable;
  final String writeConditional;
  final String slotEventId;
  final String liveSlots;

  PgSql(String quotedSchema) {
    table = quotedSchema + "." + RECORDS;
    // The escalation of a call whose advisory locks would exceed SlotLocks.MAX_KEYS (SPEC 9.3): one
    // EXCLUSIVE lock on the table, which holds back every write (each holds ROW EXCLUSIVE from its
    // first write) and every call that reads under its advisory locks before it writes or while it
    // fences (each holds ROW SHARE from its read, below), but no plain read. It is taken before
    // any advisory lock and the call then takes none (its lock arrays are empty); every other
    // caller takes its table lock after its advisory locks, so no wait cycle forms through it.
    String lockTable = "LOCK TABLE " + table + " IN EXCLUSIVE MODE; ";
    // Of a call that reads under its advisory locks and writes later, or fences: holds back a
    // table-locking batch until it ends (plain reads hold ACCESS SHARE, which that lock allows).
    String readToWrite = "LOCK TABLE " + table + " IN ROW SHARE MODE; ";
    String select = "SELECT " + SELECTED + " FROM " + table;
    // The slot is the caller's: only its value columns travel (RecordRows#firstAt).
    find =
        "SELECT event_id, version, payload, "
            + PgTimestamps.SELECT_UTC_TEXT
            + " FROM "
            + table
            + " WHERE "
            + SLOT;
    findByEventId = select + " WHERE event_id = " + TXT;
    // One probe of the event id's unique index, then the tenant as a filter on the row it found: a
    // live id of another tenant costs what a miss costs, and its row never leaves the server. The
    // materialized CTE keeps it so: given "event_id = ? AND tenant_id = ?" the planner walks a
    // small tenant's rows through an index on tenant_id instead, whose cost grows with the
    // tenant (and with stale statistics, with any tenant).
    findByEventIdOfTenant =
        "WITH hit AS MATERIALIZED ("
            + findByEventId
            + ") SELECT * FROM hit WHERE tenant_id = "
            + TXT;
    // Which of some event ids are live, and where: slots only, never a payload.
    liveSlots =
        "SELECT event_id, tenant_id, user_id, session_id, run_id, kind FROM "
            + table
            + " WHERE event_id = ANY(CAST(? AS text[]) COLLATE \"C\")";
    slotEventId = LOCK_SLOT + readToWrite + "SELECT event_id FROM " + table + " WHERE " + SLOT;

    // save: the slot's locks, then the write, in one round trip (the commit follows in a second:
    // PgDatabase). Holding the slot's lock, the save is the only writer of the slot, so:
    // - the slot holds another event id: updated (1 row);
    // - the slot is empty: inserted (1 row);
    // - either way, a new id that is live in another slot is rejected by the event_id index
    //   (23505, a conflict);
    // - the slot already holds this event id: nothing is written (0 rows) and the row is locked
    //   to the commit ("held"); the caller compares the stored content, the rare replay path.
    // A plain UPDATE and a plain INSERT rather than INSERT ... ON CONFLICT DO UPDATE (issue 27):
    // under the slot's lock no other writer races for the slot, so the upsert's speculative
    // insertion (a confirmation record per insert) and its row lock before the update (a LOCK
    // record per overwrite) are WAL, about 50 bytes a save, that buy nothing. Every part sees the
    // statement's snapshot, taken after the locks were granted: the INSERT finds the row the UPDATE
    // changes, and writes only into an empty slot. Its one row: the rows written, the rows held.
    save =
        LOCK_SLOT
            + "WITH u AS (UPDATE "
            + table
            + " SET event_id = ?, version = ?, payload = ?, updated_at = CAST(? AS timestamptz)"
            + " WHERE "
            + SLOT
            + " AND event_id <> "
            + TXT
            + " RETURNING 1), held AS (SELECT 1 FROM "
            + table
            + " WHERE "
            + SLOT
            + " AND event_id = "
            + TXT
            + " FOR UPDATE), i AS (INSERT INTO "
            + table
            + " ("
            + COLS
            + ") SELECT ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS timestamptz) WHERE NOT EXISTS (SELECT 1"
            + " FROM "
            + table
            + " WHERE "
            + SLOT
            + ") RETURNING 1) SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM i),"
            + " (SELECT count(*) FROM held)";

    // upsertBatch is saveAll after its locks (a group commit runs it after its slot locks).
    // saveAll: the batch's scope locks, then one statement for the whole batch over arrays, in one
    // transaction. "live" is the idempotency probe, on a snapshot taken after the locks: nothing is
    // written if any record's event id is live with another slot or content (the caller reports the
    // conflict); records whose id is live with the same content (in their own, locked slot) are
    // skipped. A concurrent save that puts one of the ids into another slot after the snapshot is
    // caught by the event_id index (23505, a conflict), which rolls the whole batch back.
    upsertBatch = upsertBatchStatement("");
    // A group commit's: writes nothing unless the TRY_LOCK_SLOTS before it took every lock.
    upsertBatchIfLocked = upsertBatchStatement(" WHERE " + HOLDS_LOCKS);
    saveAll = LOCK_SCOPES + upsertBatch;
    // A batch whose scope locks would exceed the budget (many tenants): the table instead.
    saveAllWholeTable = lockTable + saveAll;

    delete = LOCK_SLOT + "DELETE FROM " + table + " WHERE " + SLOT;
    deleteIf = delete + " AND event_id = " + TXT;
    deleteScope = LOCK_SCOPE + "DELETE FROM " + table + " WHERE " + IDENTITY;

    // The listings' limit is NULL (LIMIT ALL) when the caller asked for every record.
    listKind = select + " WHERE " + PREFIX + " ORDER BY " + PK + " LIMIT ?";
    listIdentity = select + " WHERE " + QUADRUPLE + " AND " + PREFIX + " ORDER BY kind LIMIT ?";
    scanAllFirst = select + " ORDER BY " + PK + " LIMIT ?";
    scanAllAfter = select + " WHERE (" + PK + ") > " + texts(5) + " ORDER BY " + PK + " LIMIT ?";
    String scan = select + " WHERE tenant_id = " + TXT + " AND " + PREFIX;
    String scanOrder = " ORDER BY user_id, session_id, run_id, kind LIMIT ?";
    scanFirst = scan + scanOrder;
    scanAfter = scan + " AND (user_id, session_id, run_id, kind) > " + texts(4) + scanOrder;

    // After the locks of every expected slot: the event id each holds (ord >= 1; absent slots
    // yield no row), and the live rows of the writes' event ids (ord = 0), in one round trip. Only
    // the latter carry payloads. The locks keep every expected slot as read until the commit.
    readConditions =
        LOCK_SLOTS
            + readToWrite
            + "SELECT e.ord, r.event_id, NULL, NULL, NULL, NULL, NULL, CAST(NULL AS bigint),"
            + " CAST(NULL AS bytea) FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]),"
            + " CAST(? AS text[]), CAST(? AS text[])) WITH ORDINALITY AS e(tenant_id, user_id, session_id, run_id, kind,"
            + " ord) JOIN "
            + table
            + " r ON r.tenant_id = e.tenant_id COLLATE \"C\" AND r.user_id = e.user_id COLLATE"
            + " \"C\" AND r.session_id = e.session_id COLLATE \"C\" AND r.run_id = e.run_id COLLATE \"C\""
            + " AND r.kind = e.kind COLLATE \"C\""
            + " UNION ALL SELECT 0, event_id, tenant_id, user_id, session_id, run_id, kind, version, payload FROM "
            + table
            + " WHERE event_id = ANY(CAST(? AS text[]) COLLATE \"C\")";
    // Its table lock first, then (empty) advisory locks: as many results before the rows.
    readConditionsWholeTable = lockTable + readConditions.replace(readToWrite, "");
    // The writes of saveIf/saveBatchIf. Each still re-checks its expectation on the row it changes
    // (an UPDATE re-evaluates its condition on the newest row version), a second line of defence
    // behind the slot locks: fewer rows written than expected fails the condition.
    writeConditional =
        "WITH w AS (SELECT w.tenant_id, w.user_id, w.session_id, w.run_id, w.kind, w.event_id,"
            + " w.version, w.payload, CAST(w.updated_at AS timestamptz) AS updated_at, w.expected"
            + " FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]),"
            + " CAST(? AS text[]), CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS bytea[]), CAST(? AS text[]),"
            + " CAST(? AS text[])) AS w(tenant_id, user_id, session_id, run_id, kind, event_id, version, payload,"
            + " updated_at, expected)),"
            + " upd AS (UPDATE "
            + table
            + " r SET event_id = w.event_id, version = w.version, payload = w.payload,"
            + " updated_at = w.updated_at FROM w WHERE w.expected IS NOT NULL AND r.tenant_id = w.tenant_id COLLATE \"C\""
            + " AND r.user_id = w.user_id COLLATE \"C\" AND r.session_id = w.session_id COLLATE \"C\""
            + " AND r.run_id = w.run_id COLLATE \"C\" AND r.kind = w.kind COLLATE \"C\""
            + " AND r.event_id = w.expected COLLATE \"C\" RETURNING 1),"
            + " ins AS (INSERT INTO "
            + table
            + " ("
            + COLS
            + ") SELECT "
            + COLS
            + " FROM w WHERE w.expected IS NULL"
            + " ON CONFLICT ("
            + PK
            + ") DO NOTHING RETURNING 1)"
            + " SELECT (SELECT count(*) FROM upd) + (SELECT count(*) FROM ins)";
  }

  /**
   * upsertBatch, with a condition on its input rows.
   *
   * @param inputFilter a WHERE clause for the input rows, or empty
   */
  private String upsertBatchStatement(String inputFilter) {
    return "WITH input AS (SELECT i.tenant_id, i.user_id, i.session_id, i.run_id, i.kind, i.event_id, i.version,"
        + " i.payload, CAST(i.updated_at AS timestamptz) AS updated_at, i.ord"
        + " FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]),"
        + " CAST(? AS text[]), CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS bytea[]), CAST(? AS text[]))"
        + " WITH ORDINALITY AS i(tenant_id, user_id, session_id, run_id, kind, event_id, version, payload,"
        + " updated_at, ord)"
        + inputFilter
        + "),"
        + " live AS (SELECT i.ord, r.tenant_id = i.tenant_id AND r.user_id = i.user_id"
        + " AND r.session_id = i.session_id AND r.run_id = i.run_id AND r.kind = i.kind"
        + " AND r.version = i.version AND r.payload = i.payload AS same"
        // A probe of the event-id index per input row (LIMIT 1 keeps the planner from turning
        // it into a hash join over the whole table, which it prefers while the table is small
        // and then keeps in the cached plan).
        + " FROM input i CROSS JOIN LATERAL (SELECT * FROM "
        + table
        + " r WHERE r.event_id = i.event_id COLLATE \"C\""
        + " LIMIT 1) r),"
        // What is to be written, and whether its slot holds a row: a probe of the primary key per
        // input row (a sub-select in the target list, which the planner cannot turn into a join).
        + " todo AS (SELECT i.*, EXISTS (SELECT 1 FROM "
        + table
        + " r WHERE r.tenant_id = i.tenant_id COLLATE \"C\" AND r.user_id = i.user_id COLLATE \"C\""
        + " AND r.session_id = i.session_id COLLATE \"C\" AND r.run_id = i.run_id COLLATE \"C\""
        + " AND r.kind = i.kind COLLATE \"C\") AS taken FROM input i"
        + " WHERE NOT EXISTS (SELECT 1 FROM live WHERE NOT live.same)"
        + " AND NOT EXISTS (SELECT 1 FROM live WHERE live.ord = i.ord)),"
        // Under the scopes' locks no other writer races for these slots (issue 27): a record into
        // an empty slot is a plain INSERT, which spares the speculative insertion of ON CONFLICT
        // (a confirmation record per row, about 48 bytes of WAL); one over a row keeps the upsert.
        + " overwritten AS (INSERT INTO "
        + table
        + " AS r ("
        + COLS
        + ") SELECT "
        + COLS
        + " FROM todo WHERE taken ORDER BY "
        + PK
        + " ON CONFLICT ("
        + PK
        + ") DO UPDATE "
        + OVERWRITE
        + " WHERE r.event_id <> EXCLUDED.event_id RETURNING 1),"
        + " inserted AS (INSERT INTO "
        + table
        + " ("
        + COLS
        + ") SELECT "
        + COLS
        + " FROM todo WHERE NOT taken ORDER BY "
        + PK
        + " RETURNING 1)"
        + " SELECT (SELECT count(*) FROM overwritten) + (SELECT count(*) FROM inserted),"
        + " (SELECT count(*) FROM live WHERE same), (SELECT min(ord) FROM live WHERE NOT same)";
  }
}
