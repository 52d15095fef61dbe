package dev.harbor.state.spi;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Parses location strings into {@link StateConfig}s and redacts credentials from locations and
 * options, so that no message or log line of any driver ever shows a password.
 */
public final class Locations {

  private static final Pattern USERINFO_PASSWORD = Pattern.compile("(//[^/@:?#]*):[^/@?#]*@");
  private static final Pattern QUERY_PASSWORD =
      Pattern.compile("((?:^|[?&;])(?i:password|pass|pwd|sslpassword)=)[^&;]*");
  private static final String MASK = "***";

  private Locations() {}

  /**
   * Parses a location; see {@link StateConfig} for the accepted forms.
   *
   * @param location the location string
   * @return the configuration, with the system clock
   * @throws InvalidConfigException if the location is empty, has no scheme or a malformed query
   */
  public static StateConfig parse(String location) {
    if (location == null || location.isBlank()) {
      throw new InvalidConfigException(
          "empty store location; expected e.g. inmem:, sqlite:./harbor-state.db or "
              + "postgres://user@host:5432/db");
    }
    String trimmed = location.strip();
    String lower = trimmed.toLowerCase(Locale.ROOT);
    if (lower.startsWith("postgres://")
        || lower.startsWith("postgresql://")
        || lower.startsWith("jdbc:postgresql:")) {
      return split("postgres", trimmed, trimmed);
    }
    int colon = trimmed.indexOf(':');
    if (colon <= 0) {
      throw new InvalidConfigException(
          "store location '"
              + redact(trimmed)
              + "' has no driver scheme; expected e.g. "
              + "inmem:, sqlite:./harbor-state.db or postgres://user@host:5432/db");
    }
    String driver = trimmed.substring(0, colon).toLowerCase(Locale.ROOT);
    return split(driver, trimmed.substring(colon + 1), trimmed);
  }

  /**
   * A location from a driver's location text and options: the inverse of {@link #parse}, with the
   * options as a URL-encoded query. For drivers handing out locations they made, such as a {@link
   * ScratchLocation}'s.
   *
   * @param prefix the location up to its query, such as {@code sqlite:/srv/state.db} or {@code
   *     postgres://app@db:5432/app}
   * @param options the options
   * @return such as {@code sqlite:/srv/state.db?readers=8}
   */
  public static String format(String prefix, Map<String, String> options) {
    StringJoiner query = new StringJoiner("&", prefix + "?", "").setEmptyValue(prefix);
    options.forEach((name, value) -> query.add(encode(name) + "=" + encode(value)));
    return query.toString();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private static StateConfig split(String driver, String rest, String original) {
    int query = rest.indexOf('?');
    String path = query < 0 ? rest : rest.substring(0, query);
    Map<String, String> options =
        query < 0 ? Map.of() : parseQuery(rest.substring(query + 1), original);
    return StateConfig.builder().driver(driver).location(path).options(options).build();
  }

  private static Map<String, String> parseQuery(String query, String original) {
    Map<String, String> options = new LinkedHashMap<>();
    if (query.isEmpty()) {
      return options;
    }
    for (String pair : query.split("&", -1)) {
      int eq = pair.indexOf('=');
      if (pair.isEmpty() || eq <= 0) {
        throw new InvalidConfigException(
            "malformed option '"
                + redact(pair)
                + "' in store location '"
                + redact(original)
                + "'; expected name=value pairs separated by &");
      }
      String name = decode(pair.substring(0, eq), original);
      String value = decode(pair.substring(eq + 1), original);
      if (options.putIfAbsent(name, value) != null) {
        throw new InvalidConfigException(
            "option '" + name + "' is given twice in store location '" + redact(original) + "'");
      }
    }
    return options;
  }

  private static String decode(String text, String original) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(
          "malformed URL encoding in store location '" + redact(original) + "'", e);
    }
  }

  /**
   * A location with any password replaced by {@code ***}: the password of {@code user:password@}
   * and the values of {@code password}-like query parameters.
   *
   * @param location a location or URL, may be {@code null}
   * @return the redacted text
   */
  public static String redact(String location) {
    if (location == null) {
      return "";
    }
    String out = USERINFO_PASSWORD.matcher(location).replaceAll("$1:" + MASK + "@");
    return QUERY_PASSWORD.matcher(out).replaceAll("$1" + MASK);
  }

  /**
   * Options with the values of password-like names replaced by {@code ***}.
   *
   * @param options the options
   * @return a sorted, redacted copy
   */
  public static Map<String, String> redactOptions(Map<String, String> options) {
    Map<String, String> out = new TreeMap<>();
    options.forEach((k, v) -> out.put(k, isSecret(k) ? MASK : v));
    return out;
  }

  private static boolean isSecret(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.contains("password") || n.equals("pass") || n.equals("pwd");
  }
}
