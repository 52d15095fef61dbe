package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.testing.TestPostgres;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The tool never prints a location's password (SPEC 9.5): not in picocli's echo of a mistyped
 * option or a stray argument, not in any command's error line (with and without {@code --verbose}),
 * not in {@code doctor}'s report; for generated passwords holding every reserved character, raw and
 * percent-encoded, given by {@code --store}, {@code --store=}, the environment and {@code copy}'s
 * {@code --from}/{@code --to}.
 */
class CliSecretsTest {

  private static final String RESERVED = "#@?/%:&=+;,[] ";
  private static final String PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-._~!$é€";

  /** Minimal arguments each command parses, so it gets as far as opening the store. */
  private static final Map<String, List<String>> ARGS =
      Map.ofEntries(
          Map.entry(
              "put", List.of("--tenant=t", "--user=u", "--session=s", "--kind=k", "--data=x")),
          Map.entry("get", List.of("--tenant=t", "--user=u", "--session=s", "--kind=k")),
          Map.entry("get-event", List.of("01JABCDEF0123456789ABCDEFG")),
          Map.entry("rm", List.of("--tenant=t", "--user=u", "--session=s", "--kind=k")),
          Map.entry("erase-session", List.of("--tenant=t", "--user=u", "--session=s")),
          Map.entry("erase-user", List.of("--tenant=t", "--user=u")),
          Map.entry("erase-tenant", List.of("--tenant=t", "--yes")),
          Map.entry("purge", List.of("--tenant=t", "--older-than=1d")),
          Map.entry("ls", List.of("--tenant=t", "--user=u", "--session=s", "--prefix=k")),
          Map.entry("scan", List.of("--maintenance", "--tenant=t", "--prefix=k")),
          Map.entry("export", List.of()),
          Map.entry("import", List.of()),
          Map.entry("migrate", List.of()),
          Map.entry("doctor", List.of()),
          Map.entry("drivers", List.of()),
          Map.entry("certify", List.of()),
          Map.entry("bench", List.of("--seconds=1", "--warmup=0", "--no-pgbench")),
          Map.entry("demo", List.of()),
          Map.entry("rotate", List.of("--tenant=t")),
          Map.entry("rekey", List.of("--tenant=t")),
          Map.entry("kek", List.of()));

  @Test
  void generatedPasswords_neverAppearInAnyCommandsOutput() throws Exception {
    assertThat(ARGS.keySet())
        .containsExactlyInAnyOrderElementsOf(
            new picocli.CommandLine(new HarborStateCli())
                .getSubcommands().keySet().stream().filter(c -> !c.equals("copy")).toList());
    Random random = new Random(0xB0B);
    // Each run against the unreachable port waits about a second (the pool's failed first
    // connection), and the runs share nothing: they go in parallel, then every one is checked.
    List<Runs> all = new ArrayList<>();
    for (int round = 0; round < RESERVED.length(); round++) {
      String p = password(random, RESERVED.charAt(round));
      String e = URLEncoder.encode(p, StandardCharsets.UTF_8).replace("+", "%20");
      // Nothing listens on port 1: every command that opens the store fails there.
      for (String location :
          List.of(
              "postgres://root:" + e + "@127.0.0.1:1/test?connectTimeout=1s",
              "postgres://root:" + p + "@127.0.0.1:1/test",
              "jdbc:postgresql://127.0.0.1:1/test?user=root&sslpassword=" + e)) {
        List<Callable<Cli.Result>> runs = new ArrayList<>();
        runs.add(() -> Cli.run("--stor=" + location, "doctor"));
        runs.add(() -> Cli.run("doctor", location));
        runs.add(() -> Cli.run("--store", location, "doctor", "--no-count", "--verbose"));
        runs.add(() -> Cli.run(new byte[0], Map.of("HARBOR_STATE_STORE", location), "migrate"));
        runs.add(() -> Cli.run("copy", "--from", location, "--to", "inmem:", "--verbose"));
        runs.add(() -> Cli.run("copy", "--from=inmem:", "--to=" + location));
        if (round % 7 == 0) {
          ARGS.forEach(
              (command, args) -> {
                List<String> line = new ArrayList<>(List.of("--store", location, command));
                line.addAll(args);
                runs.add(() -> Cli.run(line.toArray(String[]::new)));
              });
        }
        all.add(new Runs(p, e, runs));
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      for (Runs runs : all) {
        runs.started = runs.calls.stream().map(pool::submit).toList();
      }
      for (Runs runs : all) {
        List<Cli.Result> results = new ArrayList<>();
        for (Future<Cli.Result> f : runs.started) {
          results.add(f.get());
        }
        for (Cli.Result r : results) {
          for (String secret : List.of(runs.password, runs.encoded)) {
            assertThat(r.out() + r.stderr())
                .as("password %s in %s", runs.password, r)
                .doesNotContain(secret);
          }
        }
        assertThat(results.get(0).stderr()).contains("Unknown option").contains("***");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** One password's runs, raw and percent-encoded, and their results once started. */
  private static final class Runs {
    final String password;
    final String encoded;
    final List<Callable<Cli.Result>> calls;
    List<Future<Cli.Result>> started = List.of();

    Runs(String password, String encoded, List<Callable<Cli.Result>> calls) {
      this.password = password;
      this.encoded = encoded;
      this.calls = calls;
    }
  }

  @Test
  void doctor_reportsAReachableStoreWithoutItsPassword() {
    String schema = TestPostgres.newSchemaName("harbor_cli_secret");
    String server = TestPostgres.url();
    int at = server.indexOf('@');
    try {
      for (String p : List.of("pa#ss", "s3cr@t", "pa?ss", "se/cret", "p%25x")) {
        String location =
            server.substring(0, at)
                + ":"
                + p
                + "@"
                + server.substring(at + 1)
                + "?schema="
                + schema;
        Cli.Result migrate = Cli.run("--store", location, "migrate");
        assertThat(migrate.code()).as(migrate.toString()).isZero();
        Cli.Result doctor = Cli.run("--store", location, "doctor");
        assertThat(doctor.code()).as(doctor.toString()).isZero();
        assertThat(doctor.out())
            .contains("store     " + server.substring(0, at) + ":***@")
            .doesNotContain(p);
        assertThat(migrate.out() + migrate.stderr()).doesNotContain(p);
      }
    } finally {
      TestPostgres.dropSchema(schema);
    }
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
