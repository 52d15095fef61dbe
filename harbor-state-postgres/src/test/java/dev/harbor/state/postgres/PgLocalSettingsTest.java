package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.postgres.PgDatabase.Mode;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PgLocalSettings}: inside every unit of work the operation's timeouts and READ COMMITTED
 * hold, whatever the session's own defaults (here a pool whose connections default to REPEATABLE
 * READ, as an application's pool may); after it the session is as it was; and the statements answer
 * as they would without the prelude.
 */
class PgLocalSettingsTest {

  private static final String SETTINGS =
      "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'),"
          + " current_setting('transaction_isolation')";

  private static HikariDataSource pool(String isolation) {
    HikariConfig hc = TestServer.poolConfig(1);
    hc.setTransactionIsolation(isolation);
    return new HikariDataSource(hc);
  }

  private static List<String> settings(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(SETTINGS)) {
      rs.next();
      return List.of(rs.getString(1), rs.getString(2), rs.getString(3));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"TRANSACTION_READ_COMMITTED", "TRANSACTION_REPEATABLE_READ"})
  void everyUnitOfWork_runsWithItsOwnSettings_andLeavesTheSessionAsItWas(String isolation)
      throws SQLException {
    TestPostgres.ensureReachable();
    try (HikariDataSource pool = pool(isolation)) {
      List<String> before;
      PgDatabase db =
          new PgDatabase(
              pool,
              null,
              new StoreContext("postgres", 1024, Clock.systemUTC()),
              Duration.ofMillis(1234));
      try (Connection c = pool.getConnection()) {
        before = settings(c);
        db.learnDefaults(c, -1);
      }
      List<String> inside = List.of("1234ms", "1234ms", "read committed");
      for (Mode mode : new Mode[] {Mode.READ, Mode.TRANSACTION, Mode.FENCE}) {
        // Twice in a unit of work: in autocommit each statement is its own transaction; in a
        // transaction only the first carries the settings.
        List<List<String>> seen =
            db.call(mode, PgScope.ALL, () -> "test", (c, a) -> List.of(settings(c), settings(c)));
        assertThat(seen).as(mode.name()).containsExactly(inside, inside);
      }
      try (Connection c = pool.getConnection()) {
        assertThat(settings(c)).as("the session after the store's work").isEqualTo(before);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"READ", "TRANSACTION"})
  void statements_answerAsWithoutThePrelude(String modeName) throws SQLException {
    TestPostgres.ensureReachable();
    Mode mode = Mode.valueOf(modeName);
    try (HikariDataSource pool = pool("TRANSACTION_READ_COMMITTED")) {
      PgDatabase db =
          new PgDatabase(
              pool,
              null,
              new StoreContext("postgres", 1024, Clock.systemUTC()),
              Duration.ofSeconds(5));
      List<Object> answers =
          db.call(
              mode,
              PgScope.tenant("t"),
              () -> "test",
              (c, a) -> {
                try (PreparedStatement p = c.prepareStatement("SELECT ?::int + 1")) {
                  p.setInt(1, 41);
                  try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    int sum = rs.getInt(1);
                    try (PreparedStatement u =
                            c.prepareStatement("CREATE TEMP TABLE IF NOT EXISTS t (x int)");
                        PreparedStatement i =
                            c.prepareStatement("INSERT INTO t SELECT generate_series(1, ?)")) {
                      boolean rows = u.execute();
                      i.setInt(1, 3);
                      return List.of(sum, rows, i.executeUpdate());
                    }
                  }
                }
              });
      assertThat(answers).containsExactly(42, false, 3);
    }
  }
}
