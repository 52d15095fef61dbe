package dev.harbor.state.spi;

import dev.harbor.state.InvalidConfigException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A location written as a URL, {@code scheme://[user[:password]@]hosts[/path][?query]}, split the
 * one way the library reads it: {@link Locations#parse} splits off the query with it, the
 * PostgreSQL driver takes its user, password, hosts and database from it, and {@link
 * Locations#redact} masks exactly the password it finds. So what is hidden in a message is what is
 * used as a password, whatever characters it holds.
 *
 * <p>A password may hold {@code @ ? / # %} raw as long as the URL still reads one way: the user
 * information ends at the first {@code @} after which the rest reads as a host list ({@code
 * host[:port]} or {@code [v6][:port]}, comma-separated), then an optional {@code /path} without
 * {@code /} or {@code #}, then an optional {@code ?name=value&...} query. A location with no such
 * {@code @} and no user information is malformed. Percent-encoding ({@code %40} for {@code @}) is
 * always unambiguous; {@code +} is a literal plus in the user and password.
 *
 * @param scheme the text before {@code ://}, such as {@code postgres} or {@code jdbc:postgresql}
 * @param user the user name, percent-decoded, or {@code null} if none is given
 * @param password the password, percent-decoded, or {@code null} if none is given
 * @param hosts the host list as written, such as {@code db1:5432,db2}; may be empty
 * @param path the path after the hosts' {@code /}, as written (not decoded); {@code ""} if none
 * @param query the query after {@code ?}, as written; {@code ""} if none
 */
public record UrlLocation(
    String scheme,
    @Nullable String user,
    @Nullable String password,
    String hosts,
    String path,
    String query) {

  private static final String SEPARATOR = "://";
  private static final String USER_END = ":@/?#";
  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.:-]*");
  private static final Pattern HOST =
      Pattern.compile("(\\[[0-9A-Za-z:.%]*\\]|[^@/?#\\[\\],:]*)(:[0-9]+)?");

  /** Never shows the password. */
  @Override
  public String toString() {
    return "UrlLocation["
        + scheme
        + SEPARATOR
        + (user == null ? "" : user + (password == null ? "" : ":" + Locations.MASK) + "@")
        + hosts
        + (path.isEmpty() ? "" : "/" + path)
        + "]";
  }

  /**
   * Whether a location is written as a URL: a scheme, then {@code ://}.
   *
   * @param text a location
   * @return whether {@link #parse} applies
   */
  public static boolean isUrl(@Nullable String text) {
    return text != null && schemeEnd(text.strip()) > 0;
  }

  /**
   * Splits a URL-form location.
   *
   * @param text the location, such as {@code postgres://app:s3cr%40t@db:5432/app?schema=s}
   * @return its parts, or empty if the text is not written as a URL
   * @throws InvalidConfigException if the URL reads no way (the message shows it redacted)
   */
  public static Optional<UrlLocation> parse(String text) {
    String t = text.strip();
    int schemeEnd = schemeEnd(t);
    if (schemeEnd < 0) {
      return Optional.empty();
    }
    Split s = split(t, schemeEnd);
    if (s == null) {
      throw new InvalidConfigException(
          "store location '"
              + conservative(t, schemeEnd)
              + "' is not a valid URL; expected scheme://[user[:password]@]host[:port][,host2[:port]]"
              + "[/database][?name=value&...], with reserved characters of the user and password"
              + " (@ : / ? # % &) percent-encoded");
    }
    String user = null;
    String password = null;
    if (s.userEnd >= 0) {
      String userInfo = t.substring(s.restStart, s.userEnd);
      int colon = userInfo.indexOf(':');
      user = decodeUserInfo(colon < 0 ? userInfo : userInfo.substring(0, colon), t);
      password = colon < 0 ? null : decodeUserInfo(userInfo.substring(colon + 1), t);
    }
    return Optional.of(
        new UrlLocation(
            t.substring(0, schemeEnd),
            user,
            password,
            t.substring(s.hostsStart, s.hostsEnd),
            s.pathEnd > s.hostsEnd ? t.substring(s.hostsEnd + 1, s.pathEnd) : "",
            s.pathEnd < t.length() ? t.substring(s.pathEnd + 1) : ""));
  }

  /**
   * Where a URL-form location's query begins: the index of its {@code ?}, or the text's length.
   *
   * @param text a URL-form location (see {@link #isUrl})
   * @return the index
   * @throws InvalidConfigException if the URL reads no way
   */
  static int queryStart(String text) {
    int schemeEnd = schemeEnd(text);
    Split s = split(text, schemeEnd);
    if (s == null) {
      parse(text); // throws, with the message
      throw new IllegalStateException("unreachable");
    }
    return s.pathEnd;
  }

  /**
   * The location with the password, and the values of password-like query options, masked. A URL
   * that reads no way is masked from the user's {@code :} to its last {@code @}, so no reading of
   * it shows a password.
   *
   * @param text a URL-form location (see {@link #isUrl})
   * @return the redacted text
   */
  static String redact(String text) {
    int schemeEnd = schemeEnd(text);
    Split s = split(text, schemeEnd);
    if (s == null) {
      return conservative(text, schemeEnd);
    }
    StringBuilder out = new StringBuilder(text.substring(0, s.restStart));
    if (s.userEnd >= 0) {
      String userInfo = text.substring(s.restStart, s.userEnd);
      int colon = userInfo.indexOf(':');
      out.append(colon < 0 ? userInfo : userInfo.substring(0, colon) + ":" + Locations.MASK);
      out.append('@');
    }
    out.append(text, s.hostsStart, s.pathEnd);
    if (s.pathEnd < text.length()) {
      out.append('?').append(Locations.redactQuery(text.substring(s.pathEnd + 1)));
    }
    return out.toString();
  }

  /**
   * Masks, for a URL that reads no way, everything from the user's {@code :} to the last {@code @}
   * and the values of password-like options after the first {@code ?}: no reading of it shows a
   * password.
   */
  private static String conservative(String text, int schemeEnd) {
    int restStart = schemeEnd + SEPARATOR.length();
    boolean[] mask = new boolean[text.length()];
    int userEnd = restStart;
    while (userEnd < text.length() && USER_END.indexOf(text.charAt(userEnd)) < 0) {
      userEnd++;
    }
    int lastAt = text.lastIndexOf('@');
    if (userEnd < text.length() && text.charAt(userEnd) == ':' && lastAt > userEnd) {
      java.util.Arrays.fill(mask, userEnd + 1, lastAt, true);
    }
    int q = text.indexOf('?', restStart);
    if (q >= 0) {
      Locations.maskQuery(text, q + 1, mask);
    }
    return Locations.render(text, mask);
  }

  private static int schemeEnd(String text) {
    int sep = text.indexOf(SEPARATOR);
    return sep > 0 && SCHEME.matcher(text.substring(0, sep)).matches() ? sep : -1;
  }

  /**
   * Where the parts are: the user information runs from {@code restStart} to {@code userEnd} (its
   * {@code @}; -1 if none), the hosts from {@code hostsStart} to {@code hostsEnd} (a {@code /} or
   * where the path would start), the path to {@code pathEnd} (the query's {@code ?}, or the end).
   */
  private record Split(int restStart, int userEnd, int hostsStart, int hostsEnd, int pathEnd) {}

  private static @Nullable Split split(String text, int schemeEnd) {
    int restStart = schemeEnd + SEPARATOR.length();
    // No user information first: a query or path may hold a raw @ of its own.
    Split plain = tail(text, restStart, -1, restStart);
    if (plain != null) {
      return plain;
    }
    // The user name holds no raw reserved character, so its end is the first of them.
    int userEnd = restStart;
    while (userEnd < text.length() && USER_END.indexOf(text.charAt(userEnd)) < 0) {
      userEnd++;
    }
    if (userEnd == text.length() || (text.charAt(userEnd) != ':' && text.charAt(userEnd) != '@')) {
      return null;
    }
    if (text.charAt(userEnd) == '@') {
      return tail(text, restStart, userEnd, userEnd + 1); // a user and no password
    }
    for (int at = text.indexOf('@', userEnd); at >= 0; at = text.indexOf('@', at + 1)) {
      Split s = tail(text, restStart, at, at + 1);
      if (s != null) {
        return s;
      }
    }
    return null;
  }

  /** The parts, if the text from {@code from} reads as hosts, optional path and optional query. */
  private static @Nullable Split tail(String text, int restStart, int userEnd, int from) {
    int hostsEnd = from;
    while (hostsEnd < text.length()
        && text.charAt(hostsEnd) != '/'
        && text.charAt(hostsEnd) != '?') {
      hostsEnd++;
    }
    for (String host : text.substring(from, hostsEnd).split(",", -1)) {
      if (!HOST.matcher(host).matches()) {
        return null;
      }
    }
    int pathEnd = hostsEnd;
    if (hostsEnd < text.length() && text.charAt(hostsEnd) == '/') {
      pathEnd = text.indexOf('?', hostsEnd);
      pathEnd = pathEnd < 0 ? text.length() : pathEnd;
      String path = text.substring(hostsEnd + 1, pathEnd);
      if (path.indexOf('/') >= 0 || path.indexOf('#') >= 0) {
        return null;
      }
    }
    if (pathEnd < text.length() && !Locations.isQuery(text.substring(pathEnd + 1))) {
      return null;
    }
    return new Split(restStart, userEnd, from, hostsEnd, pathEnd);
  }

  /** Percent-decodes a user or password; {@code +} stays a plus, as in a URL's user information. */
  private static String decodeUserInfo(String raw, String text) {
    byte[] out = new byte[raw.length() * 4];
    int n = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int lo = hi < 0 ? -1 : Character.digit(raw.charAt(i + 2), 16);
        if (lo < 0) {
          // The cause would quote the text around the %; the message shows the location redacted.
          throw new InvalidConfigException(
              "malformed percent-encoding in the user information of store location '"
                  + redact(text)
                  + "'; write % as %25");
        }
        out[n++] = (byte) (hi * 16 + lo);
        i += 2;
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < raw.length()) {
          utf8 = raw.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        System.arraycopy(utf8, 0, out, n, utf8.length);
        n += utf8.length;
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  /**
   * The password of a URL-form location as it is written and as it is used (decoded).
   *
   * @param text a URL-form location (see {@link #isUrl})
   * @return the forms; empty if the location gives no password
   */
  static List<String> passwordForms(String text) {
    List<String> out = new ArrayList<>();
    int schemeEnd = schemeEnd(text);
    Split s = split(text, schemeEnd);
    if (s == null) {
      // Read no way: whatever lies between the user's colon and the last @ may be the password.
      int lastAt = text.lastIndexOf('@');
      int colon = text.indexOf(':', schemeEnd + SEPARATOR.length());
      if (colon >= 0 && colon < lastAt) {
        out.add(text.substring(colon + 1, lastAt));
      }
      return out;
    }
    if (s.userEnd >= 0) {
      String userInfo = text.substring(s.restStart, s.userEnd);
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        String raw = userInfo.substring(colon + 1);
        out.add(raw);
        try {
          out.add(decodeUserInfo(raw, text));
        } catch (InvalidConfigException e) {
          // the written form is all there is
        }
      }
    }
    return out;
  }
}
