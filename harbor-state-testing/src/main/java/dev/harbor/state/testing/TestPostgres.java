package dev.harbor.state.testing;

import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.ScratchLocation;
import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The PostgreSQL that tests run against: the location in {@code HARBOR_TEST_POSTGRES_URL} ({@code
 * postgres://user[:password]@host[:port]/db}), else {@code postgres://root@127.0.0.1:5432/test}. If
 * nothing answers and PostgreSQL is installed on this machine, its clusters are started. If it
 * still cannot be reached, {@link #ensureReachable()} fails with instructions: tests that need
 * PostgreSQL fail loudly, never skip.
 *
 * <p>Only the PostgreSQL driver reads the location: schemas come from its {@link ScratchLocation},
 * and so does the JDBC URL of {@link #connect()}. The driver must be on the test's class path.
 */
public final class TestPostgres {

  /** The environment variable that names the test database. */
  public static final String ENV = "HARBOR_TEST_POSTGRES_URL";

  private static final String DEFAULT = "postgres://root@127.0.0.1:5432/test";

  /** Plain JDBC access to the test database, learnt from the first scratch schema. */
  private record Jdbc(String url, Properties properties) {}

  private static volatile @Nullable Jdbc jdbc;

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
   * A fresh schema in the test database for one test, which closes it to drop the schema.
   *
   * @param options extra {@code name=value} options of the scratch's location
   * @return the scratch; its {@code location()} opens a store in the fresh schema
   */
  public static ScratchLocation scratch(String... options) {
    ensureReachable();
    return StateStores.scratch(withOptions(url(), options), "test");
  }

  /**
   * A fresh schema name, {@code <prefix>_<random hex>}, for tests that create (or must not create)
   * the schema themselves; {@link #scratch} is the usual way.
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
    String[] all = new String[options.length + 1];
    all[0] = "schema=" + schema;
    System.arraycopy(options, 0, all, 1, options.length);
    return withOptions(url(), all);
  }

  private static String withOptions(String location, String... options) {
    StringBuilder sb = new StringBuilder(location);
    for (String option : options) {
      sb.append(sb.indexOf("?") < 0 ? '?' : '&').append(option);
    }
    return sb.toString();
  }

  /**
   * A direct, unpooled connection to the test database (its search path the server's default).
   *
   * @return a new connection; the caller closes it
   * @throws SQLException if connecting fails
   */
  public static Connection connect() throws SQLException {
    ensureReachable();
    Jdbc found = Objects.requireNonNull(jdbc, "set once reachable");
    return DriverManager.getConnection(found.url(), found.properties());
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
   * Whether a schema exists now, for tests that check one was created or removed.
   *
   * @param schema the exact name
   * @return whether the database has it
   */
  public static boolean schemaExists(String schema) {
    try (Connection c = connect();
        PreparedStatement p =
            c.prepareStatement("SELECT count(*) FROM pg_namespace WHERE nspname = ?")) {
      p.setString(1, schema);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        return rs.getInt(1) == 1;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
    }
  }

  /**
   * The schemas whose names match a pattern now.
   *
   * @param regex a PostgreSQL regular expression, such as {@code ^harbor_bench_[0-9a-f]{16}$}
   * @return their names
   */
  public static Set<String> schemas(String regex) {
    Set<String> names = new TreeSet<>();
    try (Connection c = connect();
        PreparedStatement p =
            c.prepareStatement("SELECT nspname FROM pg_namespace WHERE nspname ~ ?")) {
      p.setString(1, regex);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
    }
    return names;
  }

  /**
   * The schemas matching a pattern that were not there before and are still there 30 seconds on:
   * what a tool under test left behind. Other runs share the database, so a schema that appeared
   * meanwhile may be another run's; that one goes away within seconds, a leftover stays.
   *
   * @param regex the pattern of the tool's schema names
   * @param before {@link #schemas} taken before the tool ran
   * @return the leftovers, empty if the tool removed everything it made
   */
  public static Set<String> leftBehind(String regex, Set<String> before) {
    Set<String> left = schemas(regex);
    left.removeAll(before);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      sleep(500);
      left.retainAll(schemas(regex));
    }
    return left;
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
   * Makes sure the database answers and lets the user create schemas, starting a local PostgreSQL
   * if needed; fails with instructions otherwise.
   */
  public static synchronized void ensureReachable() {
    if (jdbc != null) {
      return;
    }
    StorageException last = probe();
    if (last != null && new File("/etc/postgresql").isDirectory()) {
      startLocalClusters();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (last != null && System.nanoTime() < deadline) {
        sleep(500);
        last = probe();
      }
    }
    if (last != null) {
      throw new AssertionError(
          "these tests need PostgreSQL and none answers: "
              + last.getMessage()
              + ". Start PostgreSQL there, or set "
              + ENV
              + " to a location such as "
              + "postgres://user:password@host:5432/db of a database where the user may create schemas.",
          last);
    }
  }

  /** Makes and drops one scratch schema, keeping its JDBC access; the failure if it cannot. */
  private static @Nullable StorageException probe() {
    Jdbc found;
    try (ScratchLocation s = StateStores.scratch(url(), "test")) {
      Properties properties = s.jdbcProperties();
      // connect() is for the whole database, not the probe's schema.
      properties.remove("currentSchema");
      found = new Jdbc(s.jdbcUrl().orElseThrow(), properties);
    } catch (StorageException e) {
      return e;
    }
    jdbc = found;
    return null;
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

  /** Sleeps; an interrupt ends the wait and is kept, failing the helper that waited. */
  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
