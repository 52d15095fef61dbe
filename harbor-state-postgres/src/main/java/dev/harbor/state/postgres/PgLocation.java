package dev.harbor.state.postgres;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.spi.Locations;
import dev.harbor.state.spi.UrlLocation;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

/**
 * Where the database is: a pgjdbc URL without credentials, the credentials apart, and the host and
 * database names for messages. Accepts {@code
 * postgres://user[:password]@host[:port][,host2[:port]]/db}, {@code postgresql://...} and {@code
 * jdbc:postgresql://...} (passed through unchanged, so every pgjdbc URL form works, multi-host
 * included).
 *
 * @param jdbcUrl the pgjdbc URL, without user information or query
 * @param user the user name, or {@code null} for pgjdbc's default
 * @param password the password, or {@code null}
 * @param hosts the host list for messages, such as {@code db1:5432,db2:5432}
 * @param database the database name for messages
 */
record PgLocation(
    String jdbcUrl,
    @Nullable String user,
    @Nullable String password,
    String hosts,
    String database) {

  /** Never prints the password. */
  @Override
  public String toString() {
    return "PgLocation[" + describe() + (user == null ? "" : ", user " + user) + "]";
  }

  /**
   * Host and database, for messages.
   *
   * @return such as {@code host 127.0.0.1:5432, database test}
   */
  String describe() {
    return "host " + hosts + ", database " + database;
  }

  /**
   * Parses a location as {@link dev.harbor.state.StateConfig#location()} holds it (no query).
   *
   * @param location the location
   * @return the parsed location
   * @throws InvalidConfigException if the location is not a PostgreSQL location
   */
  static PgLocation parse(String location) {
    String text = location == null ? "" : location.strip();
    String lower = text.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("jdbc:postgresql:")
        && !lower.startsWith("postgres://")
        && !lower.startsWith("postgresql://")) {
      throw invalid(text);
    }
    // The one reading of the URL that redaction also uses: the password masked in messages is the
    // password sent.
    UrlLocation url = UrlLocation.parse(text).orElse(null);
    if (lower.startsWith("jdbc:postgresql:")) {
      if (url != null && (url.user() != null || url.password() != null)) {
        throw new InvalidConfigException(
            "'"
                + Locations.redact(text)
                + "': a jdbc:postgresql URL takes the user and password as options"
                + " (?user=...&password=...), not before the host");
      }
      Properties parsed = Driver.parseURL(text, null);
      if (parsed == null) {
        throw invalid(text);
      }
      String hosts =
          join(
              parsed.getProperty(PGProperty.PG_HOST.getName()),
              parsed.getProperty(PGProperty.PG_PORT.getName()));
      return new PgLocation(
          text, null, null, hosts, parsed.getProperty(PGProperty.PG_DBNAME.getName(), ""));
    }
    if (url == null) {
      throw invalid(text);
    }
    if (!url.query().isEmpty() || text.endsWith("?")) {
      // StateConfig.parse makes a query options; a location built in code gives them as options.
      throw new InvalidConfigException(
          "'"
              + Locations.redact(text)
              + "' holds a query; give its settings as StateConfig options (or parse the location"
              + " with StateConfig.parse, which makes its query the options)");
    }
    String hosts = url.hosts().isEmpty() ? "localhost" : url.hosts();
    String user = url.user() == null || url.user().isEmpty() ? null : url.user();
    String database = decode(url.path(), text);
    // pgjdbc URL-decodes the database name itself, so the encoded form passes through.
    return new PgLocation(
        "jdbc:postgresql://" + hosts + "/" + url.path(), user, url.password(), hosts, database);
  }

  private static String join(String hosts, String ports) {
    if (hosts == null) {
      return "localhost";
    }
    String[] h = hosts.split(",", -1);
    String[] p = ports == null ? new String[0] : ports.split(",", -1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < h.length; i++) {
      sb.append(i == 0 ? "" : ",").append(h[i]);
      if (i < p.length && !p[i].isEmpty()) {
        sb.append(':').append(p[i]);
      }
    }
    return sb.toString();
  }

  private static String decode(String text, String location) {
    try {
      return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(
          "malformed URL encoding in PostgreSQL location '" + Locations.redact(location) + "'");
    }
  }

  private static InvalidConfigException invalid(String location) {
    return new InvalidConfigException(
        "'"
            + Locations.redact(location)
            + "' is not a PostgreSQL location; expected "
            + "postgres://user[:password]@host[:port]/database, postgresql://... or jdbc:postgresql://...");
  }
}
