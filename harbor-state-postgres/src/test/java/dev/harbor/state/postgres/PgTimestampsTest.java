package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateRecord;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;
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

  @Test
  void text_isWhatTheFormatStringPrinted_overTheWholeRange() {
    SplittableRandom random = new SplittableRandom(42);
    long min = StateRecord.MIN_UPDATED_AT.getEpochSecond();
    long max = StateRecord.MAX_UPDATED_AT.getEpochSecond();
    for (int i = 0; i < 200_000; i++) {
      Instant at =
          i < INSTANTS.size()
              ? INSTANTS.get(i)
              : Instant.ofEpochSecond(
                  // every other one within years 1..9999
                  i % 2 == 0
                      ? random.nextLong(min, max)
                      : random.nextLong(-62135596800L, 253402300800L),
                  random.nextInt(1_000_000) * 1000L);
      assertThat(PgTimestamps.text(at)).as("%s", at).isEqualTo(formatted(at));
    }
  }

  /** The first implementation of PgTimestamps.text. */
  private static String formatted(Instant instant) {
    LocalDateTime t = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    int year = t.getYear();
    boolean bc = year <= 0;
    return String.format(
        "%04d-%02d-%02d %02d:%02d:%02d.%06d+00%s",
        bc ? 1 - year : year,
        t.getMonthValue(),
        t.getDayOfMonth(),
        t.getHour(),
        t.getMinute(),
        t.getSecond(),
        t.getNano() / 1000,
        bc ? " BC" : "");
  }
}
