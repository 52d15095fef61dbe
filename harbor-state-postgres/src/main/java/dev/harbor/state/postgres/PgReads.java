package dev.harbor.state.postgres;

import static dev.harbor.state.sql.RecordRows.bindQuadruple;
import static dev.harbor.state.sql.RecordRows.bindSlot;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.StateRecord;
import dev.harbor.state.postgres.PgDatabase.Mode;
import dev.harbor.state.spi.StoreDriver;
import dev.harbor.state.spi.StoreErrors;
import dev.harbor.state.sql.RecordRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The reads of {@link PgStore}: the lookups, the listings and the scans, live or in a {@link
 * PgSnapshot}.
 */
final class PgReads {

  private static final RecordRows ROWS =
      new RecordRows((rs, column) -> PgTimestamps.parse(rs.getString(column)));

  private final PgDatabase db;
  private final PgSql sql;
  private final Duration operationTimeout;

  PgReads(PgDatabase db, PgSql sql, Duration operationTimeout) {
    this.db = db;
    this.sql = sql;
    this.operationTimeout = operationTimeout;
  }

  Optional<StateRecord> find(Quadruple identity, String kind) {
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

  Optional<StateRecord> findByEventId(EventId eventId) {
    // Not tenant-scoped (SPEC 4.8): a lookup across tenants, declared as such.
    return db.call(
        Mode.READ,
        PgScope.ALL,
        () -> "findByEventId of " + eventId.value(),
        (c, a) -> findByEventId(c, eventId));
  }

  Optional<StateRecord> findByEventId(Connection c, EventId eventId) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql.findByEventId)) {
      p.setString(1, eventId.value());
      return ROWS.first(p);
    }
  }

  Optional<StateRecord> findByEventId(String tenantId, EventId eventId) {
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

  List<StateRecord> listKind(String kindPrefix, int limit) {
    // Across identities and tenants: maintenance.
    return db.call(
        Mode.READ,
        PgScope.ALL,
        () -> "listKind of prefix " + kindPrefix,
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.listKind)) {
            bindLimit(p, PgStore.bindPrefix(p, 1, kindPrefix), limit);
            return ROWS.all(p);
          }
        });
  }

  List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    return db.call(
        Mode.READ,
        PgScope.tenant(identity.tenantId()),
        () -> "listKindForIdentity of " + identity,
        (c, a) -> {
          try (PreparedStatement p = c.prepareStatement(sql.listIdentity)) {
            bindLimit(p, PgStore.bindPrefix(p, bindQuadruple(p, 1, identity), kindPrefix), limit);
            return ROWS.all(p);
          }
        });
  }

  List<StateRecord> scanKindForTenant(
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
      return ROWS.scanPage(p, PgStore.bindPrefix(p, 2, kindPrefix), after, max);
    }
  }

  List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
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
  StoreDriver.Snapshot snapshot() {
    PgSnapshot snapshot = PgSnapshot.open(db, operationTimeout);
    return new StoreDriver.Snapshot() {
      @Override
      public List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
        return snapshot.read("scanAll", PgScope.ALL, c -> PgReads.this.scanAll(c, after, max));
      }

      @Override
      public List<StateRecord> scanKindForTenant(
          String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max) {
        return snapshot.read(
            "scanKindForTenant of tenant " + tenantId,
            PgScope.tenant(tenantId),
            c -> PgReads.this.scanKindForTenant(c, tenantId, kindPrefix, after, max));
      }

      @Override
      public void close() {
        snapshot.close();
      }
    };
  }

  /** Binds a listing's limit; {@link StoreDriver#ALL} as NULL, which is LIMIT ALL. */
  private static void bindLimit(PreparedStatement p, int i, int limit) throws SQLException {
    if (limit == StoreDriver.ALL) {
      p.setNull(i, Types.INTEGER);
    } else {
      p.setInt(i, limit);
    }
  }
}
