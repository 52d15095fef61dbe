package dev.harbor.state.sql;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.StateRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rows of the records table as both SQL drivers select them ({@link #COLUMNS}, in that order):
 * binding their keys and reading them back as records. Only the {@code updated_at} column differs
 * between the databases (microseconds in an INTEGER, a TIMESTAMPTZ), so each driver passes its
 * reader of it. Internal to Harbor State: not an API, no compatibility promise.
 */
public final class RecordRows {

  /** The records table. */
  public static final String TABLE = "harbor_state_records";

  /**
   * The selected columns, in the order {@link #record} reads them; {@code updated_at} is column 9.
   */
  public static final String COLUMNS =
      "tenant_id, user_id, session_id, run_id, kind, event_id, version, payload, updated_at";

  /**
   * The columns of a read whose slot is known ({@code find}): the key is the caller's, so only
   * these travel and are decoded, in the order {@link #firstAt} reads them.
   */
  public static final String VALUE_COLUMNS = "event_id, version, payload, updated_at";

  /** The primary key, which is also the order of {@code scanAll}. */
  public static final String KEY = "tenant_id, user_id, session_id, run_id, kind";

  /** Reads the {@code updated_at} column of the current row. */
  @FunctionalInterface
  public interface UpdatedAt {

    /**
     * Reads the column.
     *
     * @param rs a result set on a row
     * @param column the column's index: 9 of {@link #COLUMNS}, 4 of {@link #VALUE_COLUMNS}
     * @return the instant
     * @throws SQLException if reading fails
     */
    Instant read(ResultSet rs, int column) throws SQLException;
  }

  private final UpdatedAt updatedAt;

  /**
   * A reader of record rows.
   *
   * @param updatedAt how this database stores {@code updated_at}
   */
  public RecordRows(UpdatedAt updatedAt) {
    this.updatedAt = updatedAt;
  }

  /**
   * The record on the current row.
   *
   * @param rs a result set of {@link #COLUMNS} on a row
   * @return the record
   * @throws SQLException if reading fails
   */
  public StateRecord record(ResultSet rs) throws SQLException {
    return new StateRecord(
        EventId.of(rs.getString(6)),
        new Quadruple(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)),
        rs.getString(5),
        rs.getLong(7),
        rs.getBytes(8),
        updatedAt.read(rs, 9));
  }

  /**
   * Runs a query of {@link #VALUE_COLUMNS} for the record of one slot.
   *
   * @param p the query, bound to the slot
   * @param identity the slot's identity, which the record takes as it is
   * @param kind the slot's kind
   * @return the slot's record, if it holds one
   * @throws SQLException if the query fails
   */
  public Optional<StateRecord> firstAt(PreparedStatement p, Quadruple identity, String kind)
      throws SQLException {
    try (ResultSet rs = p.executeQuery()) {
      return rs.next()
          ? Optional.of(
              new StateRecord(
                  EventId.of(rs.getString(1)),
                  identity,
                  kind,
                  rs.getLong(2),
                  rs.getBytes(3),
                  updatedAt.read(rs, 4)))
          : Optional.empty();
    }
  }

  /**
   * Runs a query for at most one record.
   *
   * @param p a query of {@link #COLUMNS}, bound
   * @return the record of its first row, if any
   * @throws SQLException if the query fails
   */
  public Optional<StateRecord> first(PreparedStatement p) throws SQLException {
    try (ResultSet rs = p.executeQuery()) {
      return rs.next() ? Optional.of(record(rs)) : Optional.empty();
    }
  }

  /**
   * Runs a query for records.
   *
   * @param p a query of {@link #COLUMNS}, bound
   * @return the records of all its rows, in order
   * @throws SQLException if the query fails
   */
  public List<StateRecord> all(PreparedStatement p) throws SQLException {
    List<StateRecord> out = new ArrayList<>();
    try (ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        out.add(record(rs));
      }
    }
    return out;
  }

  /**
   * Finishes and runs a page of a tenant scan: binds the continuation's position, if any, then the
   * page size.
   *
   * @param p a tenant scan of {@link #COLUMNS}, bound up to {@code from}
   * @param from the next parameter index
   * @param after the position to continue after, empty for the first page
   * @param max the page size
   * @return the page's records, in order
   * @throws SQLException if binding or the query fails
   */
  public List<StateRecord> scanPage(
      PreparedStatement p, int from, Optional<ScanContinuations.Position> after, int max)
      throws SQLException {
    int i = after.isPresent() ? bindPosition(p, from, after.get()) : from;
    p.setInt(i, max);
    return all(p);
  }

  /**
   * Binds and runs a page of {@code scanAll}: the continuation's slot, if any, then the page size.
   *
   * @param p a scan of the whole table of {@link #COLUMNS} in key order, unbound
   * @param after the record to continue after, empty for the first page
   * @param max the page size
   * @return the page's records, in key order
   * @throws SQLException if binding or the query fails
   */
  public List<StateRecord> scanAllPage(PreparedStatement p, Optional<StateRecord> after, int max)
      throws SQLException {
    int i = after.isPresent() ? bindSlot(p, 1, after.get().identity(), after.get().kind()) : 1;
    p.setInt(i, max);
    return all(p);
  }

  /**
   * Binds tenant, user and session (the scope of {@code deleteScope}).
   *
   * @param p the statement
   * @param from the first parameter index
   * @param identity the identity
   * @return the next parameter index
   * @throws SQLException if binding fails
   */
  public static int bindIdentity(PreparedStatement p, int from, Identity identity)
      throws SQLException {
    p.setString(from, identity.tenantId());
    p.setString(from + 1, identity.userId());
    p.setString(from + 2, identity.sessionId());
    return from + 3;
  }

  /**
   * Binds tenant, user, session and run.
   *
   * @param p the statement
   * @param from the first parameter index
   * @param q the identity
   * @return the next parameter index
   * @throws SQLException if binding fails
   */
  public static int bindQuadruple(PreparedStatement p, int from, Quadruple q) throws SQLException {
    p.setString(from, q.tenantId());
    p.setString(from + 1, q.userId());
    p.setString(from + 2, q.sessionId());
    p.setString(from + 3, q.runId());
    return from + 4;
  }

  /**
   * Binds a slot: its identity, then its kind; also the position of {@code scanAll}'s continuation.
   *
   * @param p the statement
   * @param from the first parameter index
   * @param q the identity
   * @param kind the kind
   * @return the next parameter index
   * @throws SQLException if binding fails
   */
  public static int bindSlot(PreparedStatement p, int from, Quadruple q, String kind)
      throws SQLException {
    int i = bindQuadruple(p, from, q);
    p.setString(i, kind);
    return i + 1;
  }

  /**
   * Binds the position of a tenant scan's continuation: user, session, run, kind.
   *
   * @param p the statement
   * @param from the first parameter index
   * @param after the position
   * @return the next parameter index
   * @throws SQLException if binding fails
   */
  public static int bindPosition(PreparedStatement p, int from, ScanContinuations.Position after)
      throws SQLException {
    p.setString(from, after.userId());
    p.setString(from + 1, after.sessionId());
    p.setString(from + 2, after.runId());
    p.setString(from + 3, after.kind());
    return from + 4;
  }
}
