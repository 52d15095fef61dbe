package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateRecord;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * updated_at goes to PostgreSQL and back exactly over the whole range the API accepts, whatever the
 * session's time zone.
 */
class PgTimestampsTest {

  private static final List<Instant> INSTANTS =
      List.of(
          StateRecord.MIN_UPDATED_AT,
          StateRecord.MAX_UPDATED_AT,
          Instant.parse("-4712-02-29T23:59:59.999999Z"), // a leap day of a BC year
          Instant.parse("0000-06-15T12:00:00.123456Z"), // 1 BC
          Instant.parse("0001-01-01T00:00:00Z"),
          Instant.parse("1969-12-31T23:59:59.999999Z"),
          Instant.parse("2030-01-02T03:04:05.123456Z"),
          Instant.parse("+10000-01-01T00:00:00Z"),
          Instant.parse("+200000-06-01T01:02:03.000004Z"));

  @Test
  void everyInstantOfTheRange_boundAndSelected_comesBackExactly() throws Exception {
    TestPostgres.ensureReachable();
    try (Connection c = TestPostgres.connect()) {
      for (String zone : List.of("UTC", "Asia/Kolkata", "America/St_Johns")) {
        try (Statement s = c.createStatement()) {
          s.execute("SET TIME ZONE '" + zone + "'");
        }
        for (Instant at : INSTANTS) {
          try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT "
                      + PgTimestamps.SELECT_UTC_TEXT
                      + " FROM (SELECT CAST(? AS timestamptz) AS updated_at) AS t")) {
            p.setString(1, PgTimestamps.text(at));
            try (ResultSet rs = p.executeQuery()) {
              rs.next();
              assertThat(PgTimestamps.parse(rs.getString(1)))
                  .as("%s in %s", at, zone)
                  .isEqualTo(at);
            }
          }
        }
      }
    }
  }
}
