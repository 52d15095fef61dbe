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

  /**
   * {@code updated_at} selected as text in UTC, whatever the session's time zone or date style:
   * {@code 2030-01-02T03:04:05.123456 AD}, {@code 4714-11-24T00:00:00.000000 BC}.
   */
  static final String SELECT_UTC_TEXT =
      "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US BC')";

  private PgTimestamps() {}

  /**
   * Reads {@link #SELECT_UTC_TEXT}.
   *
   * @param text the selected text
   * @return the instant
   */
  static Instant parse(String text) {
    int dash = text.indexOf('-');
    int year = Integer.parseInt(text.substring(0, dash));
    if (text.endsWith(" BC")) {
      year = 1 - year;
    }
    // MM-DDTHH:MI:SS.US after the year, which may have more than four digits.
    String rest = text.substring(dash + 1, text.indexOf(' '));
    return LocalDateTime.of(
            year,
            Integer.parseInt(rest.substring(0, 2)),
            Integer.parseInt(rest.substring(3, 5)),
            Integer.parseInt(rest.substring(6, 8)),
            Integer.parseInt(rest.substring(9, 11)),
            Integer.parseInt(rest.substring(12, 14)),
            Integer.parseInt(rest.substring(15, 21)) * 1000)
        .toInstant(ZoneOffset.UTC);
  }

  /**
   * The instant as PostgreSQL reads it, in UTC with microseconds: {@code 2030-01-02
   * 03:04:05.123456+00}; years before 1 as {@code BC} years (ISO year 0 is 1 BC).
   *
   * @param instant an instant at microsecond precision
   * @return its text
   */
  static String text(Instant instant) {
    // Built by hand: String.format (a Formatter and locale lookups per call) was half the client
    // CPU of a saveAll, which formats every record's updatedAt.
    LocalDateTime t = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    int year = t.getYear();
    boolean bc = year <= 0;
    StringBuilder b = new StringBuilder(32);
    pad(b, bc ? 1 - year : year, 4).append('-');
    pad(b, t.getMonthValue(), 2).append('-');
    pad(b, t.getDayOfMonth(), 2).append(' ');
    pad(b, t.getHour(), 2).append(':');
    pad(b, t.getMinute(), 2).append(':');
    pad(b, t.getSecond(), 2).append('.');
    pad(b, t.getNano() / 1000, 6).append("+00");
    if (bc) {
      b.append(" BC");
    }
    return b.toString();
  }

  /** Appends a non-negative value with leading zeros to at least the given width, as %0Nd. */
  private static StringBuilder pad(StringBuilder b, int value, int width) {
    for (int limit = 10, digits = 1; digits < width; limit *= 10, digits++) {
      if (value < limit) {
        b.append('0');
      }
    }
    return b.append(value);
  }
}
