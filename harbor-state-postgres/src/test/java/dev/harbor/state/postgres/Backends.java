package dev.harbor.state.postgres;

import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The server side of fault tests: finds a store's backends in {@code pg_stat_activity} by the
 * unique {@code application_name} the test opened the store with, and terminates only those.
 * Nothing here depends on what the driver sends, only on what the server is doing.
 */
final class Backends {

  private Backends() {}

  /** An application_name no other test or store uses, for the store's {@code applicationName}. */
  static String uniqueApplicationName() {
    return "harbor-test-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  }

  /**
   * Waits until a backend of the application waits on {@code waitEvent} (such as {@code PgSleep})
   * and returns its pid.
   *
   * @throws AssertionError if none does within {@code seconds}
   */
  static int awaitWaiting(String applicationName, String waitEvent, int seconds)
      throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    try (Connection c = TestPostgres.connect();
        PreparedStatement p =
            c.prepareStatement(
                "SELECT pid FROM pg_stat_activity WHERE application_name = ? AND wait_event = ?"
                    + " AND pid <> pg_backend_pid()")) {
      p.setString(1, applicationName);
      p.setString(2, waitEvent);
      while (true) {
        try (ResultSet rs = p.executeQuery()) {
          if (rs.next()) {
            return rs.getInt(1);
          }
        }
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError(
              "no backend of "
                  + applicationName
                  + " waited on "
                  + waitEvent
                  + " within "
                  + seconds
                  + " s");
        }
        Thread.sleep(5);
      }
    }
  }

  /**
   * Whether a backend of the application waits on a lock (a row, table or advisory lock).
   *
   * @param applicationName the store's application_name
   * @return whether one does now
   */
  static boolean waitingOnLock(String applicationName) throws SQLException {
    try (Connection c = TestPostgres.connect();
        PreparedStatement p =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?"
                    + " AND wait_event_type = 'Lock'")) {
      p.setString(1, applicationName);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        return rs.getInt(1) > 0;
      }
    }
  }

  /**
   * Terminates one backend, if it still belongs to the application.
   *
   * @return whether it was terminated
   */
  static boolean terminate(String applicationName, int pid) throws SQLException {
    try (Connection c = TestPostgres.connect();
        PreparedStatement p =
            c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE pid = ? AND application_name = ?")) {
      p.setInt(1, pid);
      p.setString(2, applicationName);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}
