package dev.harbor.state.postgres;

import dev.harbor.state.StateStoreException;
import dev.harbor.state.postgres.PgDatabase.Attempt;
import dev.harbor.state.postgres.PgDatabase.Mode;
import dev.harbor.state.postgres.PgErrors.Failure;
import dev.harbor.state.postgres.PgRetryPolicy.Settled;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The look-up of a write whose commit broke in flight: asks the server ({@code pg_xact_status}), on
 * fresh connections of {@link PgDatabase}, what became of its transaction.
 */
final class PgCommitResolver {

  /** The transaction status and the incarnation check of {@link #resolve}. */
  private static final String STATUS =
      "SELECT pg_xact_status(CAST(? AS xid8)), " + PgLocalSettings.INCARNATION + " = ?";

  /** The longest pause between two questions about a transaction still in progress. */
  private static final long MAX_RESOLVE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private PgCommitResolver() {}

  /**
   * Asks the server, on fresh connections, what became of the transaction whose commit broke in
   * flight, until it knows or operationTimeout runs out.
   *
   * @param db the database whose connections to ask on
   * @param broken the attempt whose commit broke
   * @param deadline the call's deadline
   * @param attemptsLeft how many questions may fail (the server unreachable) before giving up, as
   *     attempts of the call would
   * @param asked collects why a question could not be answered, for the caller's exception
   * @return committed, aborted or unknown (never in progress)
   */
  static Settled resolve(
      PgDatabase db, Attempt broken, long deadline, int attemptsLeft, List<Exception> asked) {
    String xid = broken.xid;
    String incarnation = broken.incarnation;
    if (xid == null || incarnation == null) {
      return Settled.UNKNOWN;
    }
    long pause = TimeUnit.MILLISECONDS.toNanos(1);
    while (true) {
      Settled settled;
      try {
        settled =
            db.attempt(
                Mode.READ,
                PgScope.ALL, // reads no row: pg_xact_status of the store's own transaction
                (c, a) -> statusOf(c, xid, incarnation),
                new Attempt(),
                deadline);
      } catch (SQLException e) {
        asked.add(e);
        if (PgErrors.failure(e) == Failure.OTHER || asked.size() > attemptsLeft) {
          return Settled.UNKNOWN; // such as "transaction ID is in the future": another server
        }
        settled = Settled.IN_PROGRESS; // the server cannot be reached yet: ask again
      } catch (StateStoreException e) {
        asked.add(e); // the store closed, or the caller was interrupted: stop asking
        return Settled.UNKNOWN;
      }
      if (settled != Settled.IN_PROGRESS) {
        return settled;
      }
      if (deadline - System.nanoTime() <= pause) {
        return Settled.UNKNOWN;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the caller's: kept, and the outcome stays unknown
        return Settled.UNKNOWN;
      }
      pause = Math.min(2 * pause, MAX_RESOLVE_PAUSE_NANOS);
    }
  }

  private static Settled statusOf(Connection c, String xid, String incarnation)
      throws SQLException {
    try (PreparedStatement p = c.prepareStatement(STATUS)) {
      p.setString(1, xid);
      p.setString(2, incarnation);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        return PgRetryPolicy.settled(rs.getString(1), rs.getBoolean(2));
      }
    }
  }
}
