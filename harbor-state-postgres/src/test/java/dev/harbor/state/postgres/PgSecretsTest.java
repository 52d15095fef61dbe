package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.Locations;
import dev.harbor.state.testing.LogCapture;
import dev.harbor.state.testing.TestPostgres;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A location's password, and an {@code sslpassword} option, never show in what the driver and its
 * pool log (every level, HikariCP's DEBUG configuration dump included) or in what it throws, for
 * generated passwords holding every reserved character, raw and percent-encoded (SPEC 9.5). The
 * test server trusts its user, so a store opens whatever password it is given; and the password it
 * sends is the one the shared parser masks.
 */
class PgSecretsTest extends DatabaseTest {

  private static final String RESERVED = "#@?/%:&=+;,[] ";
  private static final String PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-._~!$é€";

  @Test
  void generatedPasswords_neverShowInLogsOrFailures_andAreWhatTheDriverSends() {
    Random random = new Random(0xC0FFEEL);
    String server = TestPostgres.url(); // postgres://root@127.0.0.1:5432/test
    int at = server.indexOf('@');
    String scheme = server.substring(0, at);
    String hostAndDb = server.substring(at + 1);
    List<String> outputs = new ArrayList<>();
    try (LogCapture log = new LogCapture("dev.harbor.state", "com.zaxxer.hikari")) {
      for (int round = 0; round < RESERVED.length(); round++) {
        String p = password(random, RESERVED.charAt(round));
        String e = URLEncoder.encode(p, StandardCharsets.UTF_8).replace("+", "%20");
        List<String> forbidden = List.of(p, e);
        String ssl = "sslmode=disable&sslpassword=" + e;
        String good = scheme + ":" + e + "@" + hostAndDb + "?schema=" + schema + "&" + ssl;
        String raw = scheme + ":" + p + "@" + hostAndDb + "?schema=" + schema + "&" + ssl;

        StateConfig config = StateConfig.parse(good);
        // What redaction masks is what the driver sends: the one parser reads both.
        assertThat(PgLocation.parse(config.location()).password()).isEqualTo(p);
        assertThat(config.options()).containsEntry("sslpassword", p);
        outputs.add(config.toString());
        outputs.add(PgLocation.parse(config.location()).toString());
        outputs.add(
            PgSettings.from(
                    dev.harbor.state.spi.Options.withPassThrough(config, PgSettings.TABLE), true)
                .toString());
        try (StateStore store = StateStores.open(config)) {
          assertThat(store.find(Q, "absent")).isEmpty();
        }
        outputs.addAll(openFailure(raw));
        outputs.addAll(openFailure(good + "&maxPoolSize=0"));
        outputs.addAll(openFailure(good + "&bogusOption=1"));
        outputs.addAll(
            openFailure(
                good.replace("?schema=" + schema, "?migrate=verify&schema=" + schema + "_none")));
        outputs.addAll(
            openFailure(scheme + ":" + e + "@127.0.0.1:1/test?connectTimeout=2s&" + ssl));
        outputs.addAll(openFailure(scheme + ":" + e + "@" + hostAndDb + "_nodb?" + ssl));
        outputs.add(Locations.redact(good));
        outputs.add(Locations.redact(raw));
        List<String> lines = log.lines();
        assertThat(lines).as("log lines").isNotEmpty();
        for (String secret : forbidden) {
          assertThat(lines).as("log lines, password %s", p).noneMatch(l -> l.contains(secret));
          assertThat(outputs).as("outputs, password %s", p).noneMatch(o -> o.contains(secret));
        }
      }
      // Hikari's DEBUG configuration dump ran, and masks nothing of ours because it holds nothing.
      assertThat(log.lines()).anyMatch(l -> l.contains("configuration:"));
    }
  }

  /** The message and causes of a failed open, or nothing if it opened (then closed). */
  private static List<String> openFailure(String location) {
    List<String> out = new ArrayList<>();
    try {
      StateStores.open(StateConfig.parse(location)).close();
    } catch (StateStoreException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        out.add(t.toString());
      }
    }
    return out;
  }

  private static String password(Random random, char forced) {
    StringBuilder sb = new StringBuilder();
    int length = 8 + random.nextInt(9);
    while (sb.length() < length) {
      String from = random.nextInt(4) == 0 ? RESERVED : PLAIN;
      sb.append(from.charAt(random.nextInt(from.length())));
    }
    sb.insert(random.nextInt(sb.length()), forced);
    return sb.toString();
  }
}
