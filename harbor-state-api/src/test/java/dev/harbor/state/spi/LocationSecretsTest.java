package dev.harbor.state.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A location's password never shows: redaction parses the location the way it is opened (SPEC 9.5).
 * A seeded generator (the project has no property-testing library on its class path) draws
 * passwords holding every reserved character, raw and percent-encoded, in every place a location
 * can hold one, and checks every output of this module: {@link Locations#redact}, {@code
 * StateConfig.toString} (parsed and built in code) and the messages of every {@link
 * InvalidConfigException} a location or its options can raise.
 */
class LocationSecretsTest {

  /** Every character a URL reserves, and the ones its parsers treat specially. */
  static final String RESERVED = "#@?/%:&=+;,[] ";

  private static final String PLAIN =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$'()*é€";

  /**
   * A password of 8 to 16 characters holding {@code forced} and two more reserved characters.
   *
   * @param random the seeded source
   * @param forced a reserved character every password of this round holds
   * @return the password
   */
  static String password(Random random, char forced) {
    StringBuilder sb = new StringBuilder();
    int length = 8 + random.nextInt(9);
    while (sb.length() < length) {
      String from = random.nextInt(4) == 0 ? RESERVED : PLAIN;
      sb.append(from.charAt(random.nextInt(from.length())));
    }
    sb.insert(random.nextInt(sb.length()), forced);
    sb.insert(random.nextInt(sb.length()), RESERVED.charAt(random.nextInt(RESERVED.length())));
    if (random.nextInt(5) == 0) {
      sb.append("\uD83D\uDE00"); // outside the BMP: two chars, four UTF-8 bytes
    }
    return sb.toString();
  }

  /**
   * Percent-encodes every character a URL reserves ({@code +} too, and space as {@code %20}).
   *
   * @param text the text
   * @return the encoded text
   */
  static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * The locations that carry a password: raw and encoded in the user information of each URL
   * scheme, and as the {@code password} and {@code sslpassword} options.
   *
   * @param p the password
   * @return the locations
   */
  static List<String> locations(String p) {
    String e = encode(p);
    // A raw & ends a query value (it separates options), so raw query forms carry %26 for it.
    String q = p.replace("&", "%26");
    return List.of(
        "postgres://root:" + p + "@db.example:5432/app?schema=s",
        "postgres://root:" + e + "@db.example:5432/app?schema=s",
        "postgresql://root:" + p + "@db1:5432,db2/app",
        "postgresql://root:" + e + "@db1:5432,db2/app",
        "postgres://root:" + p + "@db.example/app?schema=s&bad",
        "postgres://root:" + e + "@db.example/app?schema=",
        "jdbc:postgresql://db.example:5432/app?user=root&password=" + e + "&ssl=false",
        "jdbc:postgresql://db.example:5432/app?user=root&password=" + q,
        "postgres://root@db.example/app?sslpassword=" + e + "&sslmode=disable",
        "postgres://root@db.example/app?sslmode=disable&sslpassword=" + q,
        "jdbc:postgresql://root:" + p + "@db.example/app",
        "sqlite:/srv/state.db?password=" + e);
  }

  /**
   * What no output may hold: the password and its encoded form.
   *
   * @param p the password
   * @return the forbidden texts
   */
  static List<String> forbidden(String p) {
    return List.of(p, encode(p), p.replace("&", "%26"));
  }

  @Test
  void generatedPasswords_neverAppearInRedactionsConfigsOrMessages() {
    Random random = new Random(0x5EC12E7L);
    int checked = 0;
    for (int round = 0; round < 600; round++) {
      char forced = RESERVED.charAt(round % RESERVED.length());
      String p = password(random, forced);
      for (String location : locations(p)) {
        for (String output : outputs(location)) {
          for (String secret : forbidden(p)) {
            assertThat(output)
                .as("output of location %s (password %s)", location, p)
                .doesNotContain(secret);
          }
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(600 * 12 * 3);
  }

  @Test
  void encodedPasswords_parseToThePasswordTheyEncode_andRedactWhole() {
    Random random = new Random(42);
    for (int round = 0; round < 300; round++) {
      String p = password(random, RESERVED.charAt(round % RESERVED.length()));
      String location = "postgres://ro%40ot:" + encode(p) + "@db:5432/app?schema=s";
      UrlLocation url = UrlLocation.parse(location).orElseThrow();
      assertThat(url.user()).isEqualTo("ro@ot");
      assertThat(url.password()).as(location).isEqualTo(p);
      assertThat(url.hosts()).isEqualTo("db:5432");
      assertThat(url.path()).isEqualTo("app");
      assertThat(Locations.redact(location))
          .isEqualTo("postgres://ro%40ot:***@db:5432/app?schema=s");
      assertThat(Locations.secrets(location)).contains(p, encode(p));
    }
  }

  @Test
  void rawReservedCharacters_belongToThePassword_whereTheUrlReadsOneWay() {
    for (String p : List.of("pa#ss", "s3cr@t", "pa?ss", "se/cret", "p@ss/w?rd#x", "100%")) {
      String location = "postgres://root:" + p + "@db.example:5432/app?schema=s";
      assertThat(Locations.redact(location))
          .isEqualTo("postgres://root:***@db.example:5432/app?schema=s");
      StateConfig config = StateConfig.parse(location);
      assertThat(config.location()).isEqualTo("postgres://root:" + p + "@db.example:5432/app");
      assertThat(config.options()).containsEntry("schema", "s");
      if (!p.contains("%")) {
        assertThat(UrlLocation.parse(config.location()).orElseThrow().password()).isEqualTo(p);
      }
    }
  }

  @Test
  void issueExamples_doctorsLineAndTheMessagesOfAMalformedQuery_holdNoPassword() {
    assertThat(Locations.redact("postgres://root:pa#ss@127.0.0.1:5432/test"))
        .isEqualTo("postgres://root:***@127.0.0.1:5432/test");
    assertThat(Locations.redact("postgres://root:s3cr@t@127.0.0.1:5432/test"))
        .isEqualTo("postgres://root:***@127.0.0.1:5432/test");
    for (String p : List.of("pa?ss", "se/cret")) {
      assertThatThrownBy(() -> StateConfig.parse("postgres://root:" + p + "@db/app?schema=s&x"))
          .isInstanceOf(InvalidConfigException.class)
          .hasMessageNotContaining(p)
          .hasMessageContaining("root:***@db/app");
    }
  }

  @Test
  void queryPasswords_aremaskedByTheQuerysParse_evenWhenARawAmpersandSplitsThem() {
    assertThat(Locations.redact("jdbc:postgresql://db/app?user=u&password=a&b&sslmode=require"))
        .isEqualTo("jdbc:postgresql://db/app?user=u&password=***&sslmode=require");
    assertThat(Locations.redact("sqlite:/x.db?sslPassword=top%26secret"))
        .isEqualTo("sqlite:/x.db?sslPassword=***");
  }

  @Test
  void aUrlThatReadsNoWay_isMaskedFromTheUsersColonToItsLastAt() {
    String location = "postgres://root:pw@x@db:5432/app/more";
    assertThat(Locations.redact(location)).isEqualTo("postgres://root:***@db:5432/app/more");
    assertThatThrownBy(() -> StateConfig.parse(location))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageNotContaining("pw@x")
        .hasMessageContaining("root:***@db:5432/app/more");
  }

  @Test
  void aConfigBuiltInCode_showsNoPasswordWhateverItsLocationHolds() {
    StateConfig config =
        StateConfig.builder()
            .driver("postgres")
            .location("postgres://root:pa?ss/w#rd@db/app")
            .option("sslpassword", "k3y?pass")
            .build();
    assertThat(config.toString())
        .doesNotContain("pa?ss/w#rd")
        .doesNotContain("k3y?pass")
        .contains("postgres://root:***@db/app");
  }

  /** Every text this module shows for a location. */
  private static List<String> outputs(String location) {
    List<String> out = new ArrayList<>();
    out.add(Locations.redact(location));
    try {
      StateConfig config = StateConfig.parse(location);
      out.add(config.toString());
      out.add(
          StateConfig.builder()
              .driver(config.driver())
              .location(config.location())
              .options(config.options())
              .build()
              .toString());
      try {
        Options.of(config, List.of(StoreOption.MAX_PAYLOAD_BYTES));
      } catch (InvalidConfigException e) {
        out.addAll(messages(e));
      }
    } catch (InvalidConfigException e) {
      out.addAll(messages(e));
    }
    out.add(StateConfig.builder().driver("postgres").location(location).build().toString());
    String bare = location.startsWith("sqlite:") ? location.substring(7) : location;
    try {
      UrlLocation.parse(bare).ifPresent(u -> out.add(u.toString()));
    } catch (InvalidConfigException e) {
      out.addAll(messages(e));
    }
    return out;
  }

  private static List<String> messages(Throwable e) {
    List<String> out = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      out.add(String.valueOf(t.getMessage()));
      out.add(t.toString());
    }
    return out;
  }
}
