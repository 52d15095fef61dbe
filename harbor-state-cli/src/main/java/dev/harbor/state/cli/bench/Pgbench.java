package dev.harbor.state.cli.bench;

import dev.harbor.state.spi.ScratchLocation;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's own capability, measured with pgbench (PostgreSQL's C client, prepared statements)
 * in the same run: the statements of {@code ../shared/bench/pgbench-baseline.sh} (upsert,
 * primary-key load, 100-row upsert) on a table of the same shape, in the JDBC baseline's scratch
 * schema. Slots are drawn as the store's workloads draw them, so both touch the same rows and index
 * pages: {@code s<0..slots-1>} for upserts and batches, the preloaded {@code s<0..preloaded-1>} for
 * loads.
 */
final class Pgbench {

  /** The baseline table, in the baseline's scratch schema; also the JDBC baseline's. */
  static final String TABLE = "bench_records";

  /** The baseline table's DDL: the shape of the shared schema.sql. */
  static final String DDL =
      "CREATE TABLE "
          + TABLE
          + " (tenant_id text NOT NULL, user_id text NOT NULL, session_id text NOT NULL,"
          + " run_id text NOT NULL, kind text NOT NULL, event_id text NOT NULL, version bigint NOT NULL,"
          + " bytes bytea NOT NULL, updated_at timestamptz NOT NULL,"
          + " PRIMARY KEY (tenant_id, user_id, session_id, run_id, kind));"
          + " CREATE UNIQUE INDEX ON "
          + TABLE
          + " (event_id)";

  private static final Pattern TPS = Pattern.compile("(?m)^tps = ([0-9.]+)");
  private static final Pattern FAILED =
      Pattern.compile("(?m)^number of failed transactions: ([0-9]+)");

  private final Path executable;
  private final String url;
  private final Map<String, String> env;

  /**
   * @param executable the pgbench binary
   * @param url a libpq URL without credentials
   * @param env PGUSER and PGPASSWORD, so no credential appears on a command line, and PGOPTIONS
   *     with the baseline's search path
   */
  private Pgbench(Path executable, String url, Map<String, String> env) {
    this.executable = executable;
    this.url = url;
    this.env = env;
  }

  /**
   * pgbench against the JDBC baseline's scratch schema: a libpq URL is the JDBC URL without its
   * {@code jdbc:} prefix; credentials and the search path go through the environment.
   *
   * @param executable the pgbench binary
   * @param scratch the baseline's scratch location
   * @return pgbench, or empty if the scratch's URL has no libpq form
   */
  static Optional<Pgbench> of(Path executable, ScratchLocation scratch) {
    String jdbc = scratch.jdbcUrl().orElse("");
    if (!jdbc.startsWith("jdbc:postgresql://")) {
      return Optional.empty();
    }
    if (jdbc.indexOf('?') >= 0) {
      throw refused("its URL carries a query, which would go on pgbench's command line");
    }
    Properties props = scratch.jdbcProperties();
    Map<String, String> env = new LinkedHashMap<>();
    if (props.getProperty("user") != null) {
      env.put("PGUSER", props.getProperty("user"));
    }
    if (props.getProperty("password") != null) {
      env.put("PGPASSWORD", props.getProperty("password"));
    }
    env.putAll(tls(props));
    env.put("PGOPTIONS", "-c search_path=" + props.getProperty("currentSchema"));
    return Optional.of(new Pgbench(executable, jdbc.substring("jdbc:".length()), env));
  }

  /** pgjdbc's TLS and authentication properties that libpq reads from the environment. */
  private static final Map<String, String> LIBPQ_ENV =
      Map.of(
          "sslmode", "PGSSLMODE",
          "sslrootcert", "PGSSLROOTCERT",
          "sslcert", "PGSSLCERT",
          "sslkey", "PGSSLKEY",
          "gssEncMode", "PGGSSENCMODE",
          "channelBinding", "PGCHANNELBINDING");

  /**
   * The location's TLS settings as libpq's environment, so pgbench verifies the server as the store
   * does. A setting libpq cannot take from the environment (or at all) refuses pgbench: it would
   * otherwise connect with weaker settings than the store, and the password would travel over them.
   *
   * @param props the scratch's pgjdbc properties
   * @return PGSSLMODE and its kin
   * @throws IllegalStateException if a setting cannot be handed to pgbench
   */
  static Map<String, String> tls(Properties props) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String name : props.stringPropertyNames()) {
      String value = props.getProperty(name);
      String variable = LIBPQ_ENV.get(name);
      if (variable != null) {
        env.put(variable, value);
      } else if (name.equalsIgnoreCase("ssl")) {
        // pgjdbc: ssl=true without sslmode means verify-full
        if (Boolean.parseBoolean(value) && props.getProperty("sslmode") == null) {
          env.put("PGSSLMODE", "verify-full");
        }
      } else if (name.toLowerCase(java.util.Locale.ROOT).startsWith("ssl")
          || name.equalsIgnoreCase("authenticationPluginClassName")) {
        // sslpassword (libpq takes it only on the command line), sslfactory, sslhostnameverifier,
        // sslpasswordcallback, sslNegotiation, ...: nothing pgbench can be given safely.
        throw refused("libpq cannot be given its " + name + " setting through the environment");
      }
    }
    return env;
  }

  private static IllegalStateException refused(String why) {
    return new IllegalStateException(
        "bench will not run pgbench against this location: "
            + why
            + "; run it with --no-pgbench (or --no-baseline)");
  }

  /** The environment pgbench runs with (credentials, TLS settings, search path). */
  Map<String, String> environment() {
    return Map.copyOf(env);
  }

  /** pgbench on the PATH, if any. */
  static Optional<Path> find(Map<String, String> environment) {
    String path = environment.getOrDefault("PATH", System.getenv("PATH"));
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(Pattern.quote(File.pathSeparator), -1)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "pgbench");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The pgbench script of a workload: save, load or saveAll. */
  String script(String workload, int slots, int preloaded, byte[] payload) {
    String bytes = "'\\x" + HexFormat.of().formatHex(payload) + "'::bytea";
    String cols =
        "(tenant_id, user_id, session_id, run_id, kind, event_id, version, bytes, updated_at)";
    String set =
        " ON CONFLICT (tenant_id, user_id, session_id, run_id, kind) DO UPDATE SET event_id ="
            + " EXCLUDED.event_id, version = EXCLUDED.version, bytes = EXCLUDED.bytes, updated_at = EXCLUDED.updated_at;";
    return switch (workload) {
      case "save" ->
          "\\set s random(0, "
              + (slots - 1)
              + ")\n\\set e random(1, 9000000000000000000)\n"
              + "INSERT INTO "
              + TABLE
              + " "
              + cols
              + " VALUES ('t1', 'u1', 's' || :s, '', 'session.lifecycle', 'e' || :e,"
              + " 1, "
              + bytes
              + ", now())"
              + set
              + "\n";
      case "load" ->
          "\\set s random(0, "
              + (preloaded - 1)
              + ")\n"
              + "SELECT event_id, version, bytes, updated_at FROM "
              + TABLE
              + " WHERE tenant_id = 't1' AND user_id = 'u1'"
              + " AND session_id = 's' || :s AND run_id = '' AND kind = 'session.lifecycle';\n";
      case "saveAll" ->
          "\\set s random(0, "
              + (slots - BenchPlan.BATCH)
              + ")\n"
              + "\\set e random(1, 9000000000000000000)\n"
              + "INSERT INTO "
              + TABLE
              + " "
              + cols
              + " SELECT 't1', 'u1', 's' || (:s + g), '', 'session.lifecycle',"
              + " 'e' || :e || '-' || g, 1, "
              + bytes
              + ", now() FROM generate_series(0, "
              + (BenchPlan.BATCH - 1)
              + ") AS g"
              + set
              + "\n";
      default -> throw new IllegalArgumentException("no pgbench script for " + workload);
    };
  }

  /**
   * Runs pgbench for a workload.
   *
   * @return transactions per second (for saveAll, batches per second)
   * @throws IOException if pgbench cannot run or reports no rate
   */
  double run(String workload, int clients, int seconds, int slots, int preloaded, byte[] payload)
      throws IOException, InterruptedException {
    Path script = Files.createTempFile("harbor-bench-", ".sql");
    try {
      Files.writeString(
          script, script(workload, slots, preloaded, payload), StandardCharsets.UTF_8);
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  executable.toString(),
                  "-n",
                  "-M",
                  "prepared",
                  "-c",
                  Integer.toString(clients),
                  "-j",
                  Integer.toString(Math.min(clients, 2)),
                  "-T",
                  Integer.toString(Math.max(1, seconds)),
                  "-f",
                  script.toString(),
                  url));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().putAll(env);
      Process p = pb.start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      int code = p.waitFor();
      Matcher m = TPS.matcher(out);
      if (code != 0 || !m.find()) {
        throw new IOException(
            "pgbench "
                + workload
                + " with "
                + clients
                + " clients failed (exit "
                + code
                + "): "
                + lastLines(out));
      }
      Matcher failed = FAILED.matcher(out);
      if (failed.find() && Long.parseLong(failed.group(1)) > 0) {
        throw new IOException(
            "pgbench " + workload + " had " + failed.group(1) + " failed transactions");
      }
      return Double.parseDouble(m.group(1));
    } finally {
      Files.deleteIfExists(script);
    }
  }

  private static String lastLines(String out) {
    String[] lines = out.strip().split("\n", -1);
    StringBuilder sb = new StringBuilder();
    for (int i = Math.max(0, lines.length - 3); i < lines.length; i++) {
      sb.append(i == Math.max(0, lines.length - 3) ? "" : " / ").append(lines[i].strip());
    }
    return sb.toString();
  }
}
