package dev.harbor.state.postgres;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL the tests run against: {@code HARBOR_TEST_POSTGRES_URL}, else
 * {@code postgres://root@127.0.0.1:5432/test}. If nothing answers there and PostgreSQL is installed locally, it is
 * started. If it still cannot be reached the tests fail, loudly; they are never skipped.
 */
final class TestDatabase {

  static final String ENV = "HARBOR_TEST_POSTGRES_URL";
  static final String URL = System.getenv(ENV) == null || System.getenv(ENV).isBlank()
      ? "postgres://root@127.0.0.1:5432/test" : System.getenv(ENV).strip();

  private static volatile boolean reachable;

  private TestDatabase() {}

  /** A fresh, unused schema name. */
  static String newSchemaName() {
    return "harbor_test_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  }

  /** The store location for a schema, with extra options ({@code name=value} pairs). */
  static String location(String schema, String... options) {
    StringBuilder sb = new StringBuilder(URL).append(URL.contains("?") ? '&' : '?').append("schema=").append(schema);
    for (String o : options) {
      sb.append('&').append(o);
    }
    return sb.toString();
  }

  /** A direct connection (not pooled) for setting up and inspecting. */
  static Connection connect() throws SQLException {
    ensureReachable();
    return rawConnect();
  }

  /** Runs SQL statements on a direct connection. */
  static void execute(String... sql) {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
    }
  }

  /** Drops a schema and everything in it. */
  static void dropSchema(String schema) {
    execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
  }

  /** Makes sure the database answers, starting a local PostgreSQL if needed; fails with instructions otherwise. */
  static synchronized void ensureReachable() {
    if (reachable) {
      return;
    }
    SQLException last = tryConnect();
    if (last != null && Files.isDirectory(Path.of("/etc/postgresql"))) {
      startLocalClusters();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (last != null && System.nanoTime() < deadline) {
        sleep(500);
        last = tryConnect();
      }
    }
    if (last != null) {
      throw new AssertionError("The PostgreSQL tests need a database and none answers at "
          + dev.harbor.state.spi.Locations.redact(URL) + " (" + last.getMessage() + "). Start PostgreSQL there, or set "
          + ENV + " to a location such as postgres://user:password@host:5432/db of a database where the user may "
          + "create schemas.", last);
    }
    reachable = true;
  }

  private static SQLException tryConnect() {
    try {
      rawConnect().close();
      return null;
    } catch (SQLException e) {
      return e;
    }
  }

  private static Connection rawConnect() throws SQLException {
    PgLocation loc = PgLocation.parse(URL.contains("?") ? URL.substring(0, URL.indexOf('?')) : URL);
    Properties p = new Properties();
    if (loc.user() != null) {
      p.setProperty("user", loc.user());
    }
    if (loc.password() != null) {
      p.setProperty("password", loc.password());
    }
    p.setProperty("connectTimeout", "5");
    return DriverManager.getConnection(loc.jdbcUrl(), p);
  }

  private static void startLocalClusters() {
    File[] versions = new File("/etc/postgresql").listFiles(File::isDirectory);
    for (File v : versions == null ? new File[0] : versions) {
      try {
        Process p = new ProcessBuilder(List.of("pg_ctlcluster", "--skip-systemctl-redirect", v.getName(), "main",
            "start")).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Reported below through the connection failure, with instructions.
      }
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
