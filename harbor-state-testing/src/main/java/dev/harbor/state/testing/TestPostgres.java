package dev.harbor.state.testing;

import java.io.File;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The PostgreSQL that tests run against: the location in {@code HARBOR_TEST_POSTGRES_URL} ({@code
 * postgres://user[:password]@host[:port]/db}), else {@code postgres://root@127.0.0.1:5432/test}. If
 * nothing answers and PostgreSQL is installed on this machine, its clusters are started. If it
 * still cannot be reached, {@link #ensureReachable()} fails with instructions: tests that need
 * PostgreSQL fail loudly, never skip.
 */
public final class TestPostgres {

  /** The environment variable that names the test database. */
  public static final String ENV = "HARBOR_TEST_POSTGRES_URL";

  private static final String DEFAULT = "postgres://root@127.0.0.1:5432/test";
  private static volatile boolean reachable;

  private TestPostgres() {}

  /**
   * The test database's location, without options.
   *
   * @return a {@code postgres://} location
   */
  public static String url() {
    String env = System.getenv(ENV);
    return env == null || env.isBlank() ? DEFAULT : env.strip();
  }

  /**
   * A fresh schema name, {@code <prefix>_<random hex>}.
   *
   * @param prefix such as {@code harbor_test}
   * @return a name no other test uses
   */
  public static String newSchemaName(String prefix) {
    return prefix + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  }

  /**
   * The store location of a schema in the test database, with extra options.
   *
   * @param schema the schema
   * @param options extra {@code name=value} options
   * @return a location for {@code StateStores.open}
   */
  public static String location(String schema, String... options) {
    ensureReachable();
    String url = url();
    StringBuilder sb =
        new StringBuilder(url)
            .append(url.contains("?") ? '&' : '?')
            .append("schema=")
            .append(schema);
    for (String option : options) {
      sb.append('&').append(option);
    }
    return sb.toString();
  }

  /**
   * A direct, unpooled connection to the test database.
   *
   * @return a new connection; the caller closes it
   * @throws SQLException if connecting fails
   */
  public static Connection connect() throws SQLException {
    ensureReachable();
    return rawConnect();
  }

  /**
   * Runs statements on a direct connection.
   *
   * @param sql the statements
   */
  public static void execute(String... sql) {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
    }
  }

  /**
   * Drops a schema and everything in it, if it exists. The name is used exactly (quoted), so a test
   * may use a mixed-case schema.
   *
   * @param schema a schema name such as one made by {@link #newSchemaName}: letters, digits and
   *     underscores
   */
  public static void dropSchema(String schema) {
    if (!schema.matches("[A-Za-z0-9_]+")) {
      throw new IllegalArgumentException("not a test schema name: " + schema);
    }
    execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
  }

  /**
   * Makes sure the database answers, starting a local PostgreSQL if needed; fails with instructions
   * otherwise.
   */
  public static synchronized void ensureReachable() {
    if (reachable) {
      return;
    }
    SQLException last = tryConnect();
    if (last != null && new File("/etc/postgresql").isDirectory()) {
      startLocalClusters();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (last != null && System.nanoTime() < deadline) {
        sleep(500);
        last = tryConnect();
      }
    }
    if (last != null) {
      throw new AssertionError(
          "these tests need PostgreSQL and none answers at "
              + redacted()
              + " ("
              + last.getMessage()
              + "). Start PostgreSQL there, or set "
              + ENV
              + " to a location such as "
              + "postgres://user:password@host:5432/db of a database where the user may create schemas.",
          last);
    }
    reachable = true;
  }

  private static @Nullable SQLException tryConnect() {
    try {
      rawConnect().close();
      return null;
    } catch (SQLException e) {
      return e;
    }
  }

  private static Connection rawConnect() throws SQLException {
    URI uri;
    try {
      uri =
          new URI(
              url().replaceFirst("^postgres(ql)?://", "postgresql://").replaceFirst("\\?.*$", ""));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(
          ENV + " is not a postgres://user@host:port/db location: " + redacted(), e);
    }
    Properties p = new Properties();
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      p.setProperty("user", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
      if (colon >= 0) {
        p.setProperty("password", decode(userInfo.substring(colon + 1)));
      }
    }
    p.setProperty("connectTimeout", "5");
    String jdbc =
        "jdbc:postgresql://"
            + uri.getHost()
            + ":"
            + (uri.getPort() < 0 ? 5432 : uri.getPort())
            + uri.getRawPath();
    return DriverManager.getConnection(jdbc, p);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static String redacted() {
    return url().replaceAll("(//[^/@:]*):[^/@]*@", "$1:***@");
  }

  private static void startLocalClusters() {
    File[] versions = new File("/etc/postgresql").listFiles(File::isDirectory);
    for (File version : versions == null ? new File[0] : versions) {
      try {
        Process p =
            new ProcessBuilder(
                    List.of(
                        "pg_ctlcluster",
                        "--skip-systemctl-redirect",
                        version.getName(),
                        "main",
                        "start"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        p.waitFor(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Reported through the connection failure that follows, with instructions.
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
