package dev.harbor.state.spi;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Parses location strings into {@link StateConfig}s and redacts credentials from locations and
 * options, so that no message or log line of any driver ever shows a password.
 *
 * <p>Redaction parses the location the way it is opened: a URL-form location ({@code scheme://...})
 * is split by {@link UrlLocation}, which the PostgreSQL driver also reads its password from, and
 * its password is masked wherever it ends; the values of password-like options in a query are
 * masked by the query's own parse. Nothing is found by pattern, so a password with {@code @ ? / #
 * %} in it, raw or percent-encoded, is masked whole.
 */
public final class Locations {

  /** What stands for a secret in a message. */
  static final String MASK = "***";

  /** An option's name as a URL's query writes it (letters, digits, {@code _ . -}, encoded). */
  private static final Pattern OPTION_NAME = Pattern.compile("[A-Za-z0-9_.%+-]+");

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
    // A URL's query starts where its parse says, so a raw ? in a password stays in the password.
    int query =
        UrlLocation.isUrl(original)
            ? UrlLocation.queryStart(original) - (original.length() - rest.length())
            : rest.indexOf('?');
    query = query >= rest.length() ? -1 : query;
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
        // The pair itself is not shown: after a password option it may be the rest of the password.
        throw new InvalidConfigException(
            "malformed query in store location '"
                + redact(original)
                + "'; expected name=value pairs separated by &, with & = % in values"
                + " percent-encoded");
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
      // Not chained: the decoder's message quotes the text around the bad %.
      throw new InvalidConfigException(
          "malformed URL encoding in store location '" + redact(original) + "'; write % as %25");
    }
  }

  /**
   * A location with any password replaced by {@code ***}: the password of a URL's {@code
   * user:password@}, as {@link UrlLocation} reads it, and the values of password-like query
   * options. A URL that reads no way is masked from the user's {@code :} to its last {@code @}.
   *
   * @param location a location, may be {@code null}
   * @return the redacted text
   */
  public static String redact(@Nullable String location) {
    if (location == null) {
      return "";
    }
    String text = location.strip();
    if (UrlLocation.isUrl(text)) {
      return UrlLocation.redact(text);
    }
    // driver:rest; a driver whose rest is a URL (x://...) is read as one.
    int colon = text.indexOf(':');
    if (colon > 0 && UrlLocation.isUrl(text.substring(colon + 1))) {
      return text.substring(0, colon + 1) + UrlLocation.redact(text.substring(colon + 1));
    }
    int q = text.indexOf('?');
    return q < 0 ? text : text.substring(0, q + 1) + redactQuery(text.substring(q + 1));
  }

  /**
   * The secrets a location holds, as written and as used: its URL password and the values of its
   * password-like options. For tools that must scrub free text in which the location may appear,
   * such as a command line's echo of a mistyped option.
   *
   * @param location a location, may be {@code null}
   * @return the secrets, each non-empty; empty if there are none
   */
  public static List<String> secrets(@Nullable String location) {
    List<String> out = new ArrayList<>();
    if (location == null) {
      return out;
    }
    String text = location.strip();
    int colon = text.indexOf(':');
    String url =
        UrlLocation.isUrl(text)
            ? text
            : colon > 0 && UrlLocation.isUrl(text.substring(colon + 1))
                ? text.substring(colon + 1)
                : null;
    int q;
    if (url != null) {
      out.addAll(UrlLocation.passwordForms(url));
      int start;
      try {
        start = UrlLocation.queryStart(url);
      } catch (InvalidConfigException e) {
        start = url.indexOf('?', Math.max(0, url.lastIndexOf('@')));
        start = start < 0 ? url.length() : start;
      }
      q = text.length() - url.length() + start;
    } else {
      q = text.indexOf('?');
    }
    if (q >= 0 && q < text.length()) {
      querySecrets(text.substring(q + 1), out);
    }
    out.removeIf(String::isEmpty);
    return out;
  }

  /**
   * Whether a query reads as {@code name=value} pairs separated by {@code &} (or is empty).
   *
   * @param query the text after {@code ?}
   * @return whether {@link #parse} accepts its shape
   */
  static boolean isQuery(String query) {
    if (query.isEmpty()) {
      return true;
    }
    for (String pair : query.split("&", -1)) {
      if (!isPair(pair)) {
        return false;
      }
    }
    return true;
  }

  /**
   * A query with the values of password-like options masked. A value runs on over the segments
   * after it that are not {@code name=value} pairs, since a raw {@code &} may belong to it.
   *
   * @param query the text after {@code ?}
   * @return the redacted query
   */
  static String redactQuery(String query) {
    boolean[] mask = new boolean[query.length()];
    maskQuery(query, 0, mask);
    return render(query, mask);
  }

  /**
   * Marks the values of password-like options of the query that starts at {@code from}, each with
   * the segments after it that are not {@code name=value} pairs.
   */
  static void maskQuery(String text, int from, boolean[] mask) {
    boolean masking = false;
    int start = from;
    while (start <= text.length()) {
      int end = text.indexOf('&', start);
      end = end < 0 ? text.length() : end;
      String pair = text.substring(start, end);
      if (isPair(pair)) {
        int eq = pair.indexOf('=');
        masking = isSecret(decodeQuietly(pair.substring(0, eq)));
        if (masking) {
          java.util.Arrays.fill(mask, start + eq + 1, end, true);
        }
      } else if (masking) {
        java.util.Arrays.fill(mask, start - 1, end, true); // with the & before it
      }
      start = end + 1;
    }
  }

  /** The text with each run of masked characters replaced by {@code ***}. */
  static String render(String text, boolean[] mask) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      if (!mask[i]) {
        out.append(text.charAt(i));
      } else if (i == 0 || !mask[i - 1]) {
        out.append(MASK);
      }
    }
    return out.toString();
  }

  private static void querySecrets(String query, List<String> out) {
    String[] pairs = query.split("&", -1);
    for (int i = 0; i < pairs.length; i++) {
      int eq = pairs[i].indexOf('=');
      if (eq <= 0 || !isSecret(decodeQuietly(pairs[i].substring(0, eq)))) {
        continue;
      }
      StringBuilder raw = new StringBuilder(pairs[i].substring(eq + 1));
      out.add(raw.toString());
      out.add(decodeQuietly(raw.toString()));
      for (int j = i + 1; j < pairs.length && !isPair(pairs[j]); j++) {
        raw.append('&').append(pairs[j]);
        out.add(raw.toString());
      }
    }
  }

  private static boolean isPair(String pair) {
    int eq = pair.indexOf('=');
    return eq > 0 && OPTION_NAME.matcher(pair.substring(0, eq)).matches();
  }

  private static String decodeQuietly(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return text;
    }
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

  /**
   * Whether an option's value is a secret: {@code password}, {@code sslpassword} and any other name
   * containing {@code password}, {@code pass} and {@code pwd}.
   *
   * @param name an option's name
   * @return whether its value is masked in every message
   */
  public static boolean isSecret(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.contains("password") || n.equals("pass") || n.equals("pwd");
  }
}
