package dev.harbor.state.postgres;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * {@code updated_at} as every statement binds it: text in PostgreSQL's own input format, cast to
 * {@code timestamptz} in the SQL. One binding for single rows and arrays alike, exact over the
 * whole range the API accepts ({@code StateRecord.MIN_UPDATED_AT..MAX_UPDATED_AT}): ISO-8601 as
 * {@link Instant#toString()} prints it is not PostgreSQL's format for years before 1 or after 9999
 * ({@code -0001-…}, {@code +10000-…}), which is why those years once failed in batches while single
 * saves stored them.
 */
final class PgTimestamps {

  private PgTimestamps() {}

  /**
   * The instant as PostgreSQL reads it, in UTC with microseconds: {@code 2030-01-02
   * 03:04:05.123456+00}; years before 1 as {@code BC} years (ISO year 0 is 1 BC).
   *
   * @param instant an instant at microsecond precision
   * @return its text
   */
  static String text(Instant instant) {
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
