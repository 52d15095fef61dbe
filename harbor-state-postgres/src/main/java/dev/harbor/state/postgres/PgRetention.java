package dev.harbor.state.postgres;

import static dev.harbor.state.postgres.PgSql.PREFIX;
import static dev.harbor.state.postgres.PgSql.TXT;

import dev.harbor.state.Quadruple;
import dev.harbor.state.postgres.PgDatabase.Mode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Retention and wide erasure on PostgreSQL: {@code purge}, {@code eraseUser}, {@code eraseTenant}.
 * Each step is one transaction in two statements:
 *
 * <ol>
 *   <li>pick: the slots to delete, at most the step's size, read without locks (for a purge, oldest
 *       first from the tenant-age index of migration V0002, so no step scans the table);
 *   <li>delete: the locks of the picked records' scopes (tenant, user, session), exclusive and
 *       ascending, as {@code deleteScope} and {@code saveAll} take them ({@link SlotLocks}), then
 *       the delete of the picked slots, on a snapshot taken after the locks, with the purge's age
 *       condition checked again.
 * </ol>
 *
 * <p>Every write to a slot holds its scope's lock shared, so under the scopes' exclusive locks no
 * write runs in a picked slot: a step never deletes a record that a concurrent save replaced with a
 * newer one (the save committed first, and the age check sees its new {@code updated_at}; or it
 * waits for the step and writes after it), never deletes a slot while a conditional write has
 * checked it or a fence holds it, and never waits on a write to another tenant. Scope locks rather
 * than slot locks: retention deletes many records of few sessions (a session's checkpoints). A
 * scope lock is one of the tenant's {@value SlotLocks#BUCKETS} buckets of sessions, so a step takes
 * at most that many advisory locks whatever its size (SPEC 9.3: no call holds more than 64 entries
 * of PostgreSQL's shared lock table, which other tenants' writes need too); a step of many sessions
 * holds back the tenant's other writes for its duration, and only the tenant's. The locks are
 * released at the step's commit: no step holds a lock longer than itself.
 */
final class PgRetention {

  private static final String SLOT_COLUMNS = "SELECT user_id, session_id, run_id, kind FROM ";
  private static final String BY_SLOT = " ORDER BY user_id, session_id, run_id, kind LIMIT ?";

  private final PgDatabase db;
  private final String pickOld;
  private final String pickUser;
  private final String pickTenant;
  private final String deletePicked;
  private final String deleteOld;
  private final SlotLocks locks;

  PgRetention(PgDatabase db, String table, SlotLocks locks) {
    this.db = db;
    this.locks = locks;
    String ofTenant = SLOT_COLUMNS + table + " WHERE tenant_id = " + TXT;
    this.pickOld =
        ofTenant
            + " AND updated_at <= CAST(? AS timestamptz) AND "
            + PREFIX
            + " ORDER BY updated_at, user_id, session_id, run_id, kind LIMIT ?";
    this.pickUser = ofTenant + " AND user_id = " + TXT + BY_SLOT;
    this.pickTenant = ofTenant + BY_SLOT;
    this.deletePicked =
        PgSql.LOCK_SCOPES
            + "DELETE FROM "
            + table
            + " r USING unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]),"
            + " CAST(? AS text[])) AS p(user_id, session_id, run_id, kind)"
            + " WHERE r.tenant_id = "
            + TXT
            + " AND r.user_id = p.user_id COLLATE \"C\" AND r.session_id = p.session_id COLLATE \"C\""
            + " AND r.run_id = p.run_id COLLATE \"C\" AND r.kind = p.kind COLLATE \"C\"";
    this.deleteOld = deletePicked + " AND r.updated_at <= CAST(? AS timestamptz)";
  }

  int purge(String tenantId, String kindPrefix, Instant latest, int limit) {
    String cutoff = PgTimestamps.text(latest);
    return step(
        "purge of tenant " + tenantId + ", prefix " + kindPrefix + ", at or before " + latest,
        tenantId,
        cutoff,
        (p, max) -> {
          p.setString(1, tenantId);
          p.setString(2, cutoff);
          p.setInt(PgStore.bindPrefix(p, 3, kindPrefix), max);
        },
        pickOld,
        limit);
  }

  int eraseUser(String tenantId, String userId, int limit) {
    return step(
        "eraseUser of tenant " + tenantId + ", user " + userId,
        tenantId,
        null,
        (p, max) -> {
          p.setString(1, tenantId);
          p.setString(2, userId);
          p.setInt(3, max);
        },
        pickUser,
        limit);
  }

  int eraseTenant(String tenantId, int limit) {
    return step(
        "eraseTenant of tenant " + tenantId,
        tenantId,
        null,
        (p, max) -> {
          p.setString(1, tenantId);
          p.setInt(2, max);
        },
        pickTenant,
        limit);
  }

  /** Binds a pick's parameters, ending with its limit. */
  @FunctionalInterface
  private interface PickBinder {
    void bind(PreparedStatement p, int max) throws SQLException;
  }

  /**
   * One step: pick, then lock and delete, in one transaction.
   *
   * @param cutoff the purge's age condition, checked again under the locks; null for an erasure
   */
  private int step(
      String what,
      String tenantId,
      @Nullable String cutoff,
      PickBinder pick,
      String pickSql,
      int limit) {
    return db.call(
        Mode.TRANSACTION,
        PgScope.tenant(tenantId),
        () -> what,
        (c, a) -> {
          List<SlotLocks.Slot> picked = new ArrayList<>();
          try (PreparedStatement p = c.prepareStatement(pickSql)) {
            pick.bind(p, limit);
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                picked.add(
                    new SlotLocks.Slot(
                        new Quadruple(tenantId, rs.getString(1), rs.getString(2), rs.getString(3)),
                        rs.getString(4)));
              }
            }
          }
          return picked.isEmpty() ? 0 : delete(c, tenantId, cutoff, picked);
        });
  }

  private int delete(
      Connection c, String tenantId, @Nullable String cutoff, List<SlotLocks.Slot> picked)
      throws SQLException {
    try (PreparedStatement p = c.prepareStatement(cutoff == null ? deletePicked : deleteOld)) {
      p.setArray(
          1,
          c.createArrayOf(
              "bigint",
              locks.batchKeys(picked.stream().map(s -> s.identity().identity()).toList())));
      int i = 2;
      String[][] cols = new String[4][picked.size()];
      for (int j = 0; j < picked.size(); j++) {
        SlotLocks.Slot s = picked.get(j);
        cols[0][j] = s.identity().userId();
        cols[1][j] = s.identity().sessionId();
        cols[2][j] = s.identity().runId();
        cols[3][j] = s.kind();
      }
      for (String[] col : cols) {
        p.setArray(i++, c.createArrayOf("text", col));
      }
      p.setString(i++, tenantId);
      if (cutoff != null) {
        p.setString(i, cutoff);
      }
      return PgStore.updateAfterLocks(p);
    }
  }
}
