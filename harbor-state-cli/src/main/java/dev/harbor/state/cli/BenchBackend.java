package dev.harbor.state.cli;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.Locations;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a benchmark runs for one location, never on the user's data: a fresh schema {@code
 * harbor_bench_<random>} for PostgreSQL (dropped at close), a temporary directory beside the
 * location's file for SQLite (deleted at close, on the same disk as the real store), a new store
 * for inmem. It opens the store there with the location's options and the bare baseline of the same
 * backend with the same settings.
 *
 * <p>Public for the JMH benchmarks of {@code harbor-state-benchmarks}, which use the same backends
 * as {@code bench}.
 */
public abstract class BenchBackend implements AutoCloseable {

  private static final SecureRandom RANDOM = new SecureRandom();

  final StateConfig config;
  private StateStore store;
  private final List<BenchTarget> baselines = new ArrayList<>();

  BenchBackend(StateConfig config) {
    this.config = config;
  }

  /**
   * Prepares a benchmark backend for a location.
   *
   * @param location {@code inmem:}, {@code sqlite:PATH}, {@code sqlite::memory:} or a PostgreSQL
   *     location
   * @return the backend; the caller closes it, which removes everything it created
   * @throws InvalidConfigException if the location is malformed or names another driver
   * @throws StorageException if the backend cannot be reached
   */
  public static BenchBackend open(String location) {
    StateConfig config = StateConfig.parse(location);
    return switch (config.driver()) {
      case "inmem" -> new InMemory(config);
      case "sqlite" -> new Sqlite(config);
      case "postgres" -> new Postgres(config);
      default ->
          throw new InvalidConfigException(
              "bench knows the baselines of inmem, sqlite and postgres, not of"
                  + " driver '"
                  + config.driver()
                  + "'");
    };
  }

  /**
   * The driver benchmarked.
   *
   * @return {@code inmem}, {@code sqlite} or {@code postgres}
   */
  public String driver() {
    return config.driver();
  }

  /**
   * The store under test, opened on first use in the bench's own schema or file; closed by {@link
   * #close()}.
   *
   * @return the store
   */
  public synchronized StateStore store() {
    if (store == null) {
      store = StateStores.open(storeConfig());
    }
    return store;
  }

  /**
   * The store as a benchmark target.
   *
   * @return a target over {@link #store()}
   */
  public BenchTarget storeTarget() {
    return new BenchStoreTarget(store());
  }

  /**
   * A new bare baseline of this backend with the store's settings; closed by {@link #close()}.
   *
   * @return the baseline
   */
  public synchronized BenchTarget baseline() {
    BenchTarget b = newBaseline();
    baselines.add(b);
    return b;
  }

  /**
   * The settings that shape the figures, for reports (pool size, synchronous mode, ...).
   *
   * @return one line
   */
  public abstract String settings();

  /** The pgbench baseline, where the backend has one and pgbench is on the PATH. */
  Optional<BenchPgbench> pgbench(Map<String, String> env) {
    return Optional.empty();
  }

  abstract StateConfig storeConfig();

  abstract BenchTarget newBaseline();

  /** Removes what the backend created. */
  abstract void cleanUp();

  /** Closes the store and the baselines and removes the bench schema or files. */
  @Override
  public synchronized void close() {
    try {
      for (BenchTarget b : baselines) {
        b.close();
      }
      baselines.clear();
      if (store != null) {
        store.close();
        store = null;
      }
    } finally {
      cleanUp();
    }
  }

  static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** A new in-memory store; the baseline is a bare map. */
  static final class InMemory extends BenchBackend {
    InMemory(StateConfig config) {
      super(config);
    }

    @Override
    public String settings() {
      return "in-process heap";
    }

    @Override
    StateConfig storeConfig() {
      return config;
    }

    @Override
    BenchTarget newBaseline() {
      return new BenchBaselines.MapBaseline();
    }

    @Override
    void cleanUp() {}
  }

  /** Files in a temporary directory beside the location's file, so the bench measures that disk. */
  static final class Sqlite extends BenchBackend {
    private static final String MEMORY = ":memory:";
    private final Path dir;
    private final String synchronous;
    private final int readers;

    Sqlite(StateConfig config) {
      super(config);
      this.synchronous =
          config.options().getOrDefault("synchronous", "FULL").toUpperCase(Locale.ROOT);
      if (!Set.of("NORMAL", "FULL", "EXTRA").contains(synchronous)) {
        throw new InvalidConfigException(
            "option synchronous='"
                + synchronous
                + "' of driver 'sqlite' is invalid;"
                + " expected NORMAL, FULL or EXTRA");
      }
      this.readers = memory() ? 0 : readers(config.options().getOrDefault("readers", "4"));
      if (memory()) {
        dir = null;
        return;
      }
      Path parent = Path.of(config.location()).toAbsolutePath().getParent();
      try {
        dir = Files.createTempDirectory(parent, ".harbor-bench-");
      } catch (IOException e) {
        throw new StorageException(
            "cannot create a directory for bench files in " + parent + ": " + e, false, e);
      }
    }

    private static int readers(String text) {
      try {
        return Integer.parseInt(text.strip());
      } catch (NumberFormatException e) {
        throw new InvalidConfigException(
            "option readers='" + text + "' of driver 'sqlite' is not a number");
      }
    }

    private boolean memory() {
      return MEMORY.equals(config.location());
    }

    @Override
    public String settings() {
      return (memory() ? "in-memory database" : "WAL journal, files in " + dir)
          + ", synchronous="
          + synchronous
          + ", readers="
          + readers;
    }

    @Override
    StateConfig storeConfig() {
      return memory()
          ? config
          : StateConfig.builder()
              .driver("sqlite")
              .location(dir.resolve("store.db").toString())
              .options(config.options())
              .build();
    }

    @Override
    BenchTarget newBaseline() {
      String url =
          memory()
              ? "jdbc:sqlite::memory:"
              : "jdbc:sqlite:" + dir.resolve("baseline-" + randomHex(4) + ".db");
      return new BenchBaselines.SqliteBaseline(
          () -> DriverManager.getConnection(url), synchronous, readers, !memory());
    }

    @Override
    void cleanUp() {
      TempDirs.deleteQuietly(dir);
    }
  }

  /** A fresh schema holding the store's tables and the baseline table, dropped at close. */
  static final class Postgres extends BenchBackend {
    /**
     * The driver's own options: everything else is a pgjdbc connection property, for the baseline
     * too.
     */
    private static final Set<String> DRIVER_OPTIONS =
        Set.of(
            "schema",
            "maxPoolSize",
            "connectTimeout",
            "operationTimeout",
            "maxPayloadBytes",
            "migrate",
            "applicationName");

    private static final Pattern SCHEMA = Pattern.compile("harbor_bench_[0-9a-f]{16}");
    private static final Pattern JDBC =
        Pattern.compile("(?i)jdbc:postgresql://([^/?]*)/([^?]*)(?:\\?(.*))?");

    private final String schema = "harbor_bench_" + randomHex(8);
    private final Address address;
    private final int poolSize;
    private boolean created;

    Postgres(StateConfig config) {
      super(config);
      this.address = Address.of(config);
      String size = config.options().getOrDefault("maxPoolSize", "10");
      try {
        this.poolSize = Integer.parseInt(size.strip());
      } catch (NumberFormatException e) {
        throw new InvalidConfigException(
            "option maxPoolSize='" + size + "' of driver 'postgres' is not a number");
      }
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        // DDL takes no parameters; the schema name is generated above.
        s.execute("CREATE SCHEMA " + schema);
        created = true;
        s.execute(BenchPgbench.ddl(schema));
      } catch (SQLException e) {
        cleanUp();
        throw new StorageException(
            "cannot prepare the bench schema at " + address.describe() + ": " + e.getMessage(),
            true,
            e);
      }
    }

    @Override
    public String settings() {
      StringBuilder sb = new StringBuilder("maxPoolSize=" + poolSize + ", schema " + schema);
      try (Connection c = connect();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'synchronous_commit', 'fsync',"
                      + " 'wal_sync_method', 'shared_buffers', 'max_connections') ORDER BY name")) {
        while (rs.next()) {
          sb.append(", ").append(rs.getString(1)).append('=').append(rs.getString(2));
        }
      } catch (SQLException e) {
        sb.append(", server settings unavailable: ").append(e.getMessage());
      }
      return sb.toString();
    }

    @Override
    StateConfig storeConfig() {
      return config.withOption("schema", schema);
    }

    @Override
    BenchTarget newBaseline() {
      return new BenchBaselines.PostgresBaseline(schema, this::connect, poolSize);
    }

    @Override
    Optional<BenchPgbench> pgbench(Map<String, String> env) {
      return BenchPgbench.find(env)
          .map(
              exe -> {
                Map<String, String> pgEnv = new LinkedHashMap<>();
                if (address.props.getProperty("user") != null) {
                  pgEnv.put("PGUSER", address.props.getProperty("user"));
                }
                if (address.props.getProperty("password") != null) {
                  pgEnv.put("PGPASSWORD", address.props.getProperty("password"));
                }
                return new BenchPgbench(
                    exe, "postgresql://" + address.hosts + "/" + address.database, pgEnv, schema);
              });
    }

    Connection connect() throws SQLException {
      return DriverManager.getConnection(address.jdbcUrl, address.props);
    }

    @Override
    void cleanUp() {
      if (!created || !SCHEMA.matcher(schema).matches()) {
        return;
      }
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        created = false;
      } catch (SQLException e) {
        throw new StorageException(
            "cannot drop bench schema "
                + schema
                + " at "
                + address.describe()
                + ": "
                + e.getMessage(),
            true,
            e);
      }
    }

    /**
     * The server, for plain JDBC and pgbench: URL without credentials, and connection properties.
     */
    record Address(String jdbcUrl, String hosts, String database, Properties props) {
      String describe() {
        return "host " + hosts + ", database " + database;
      }

      static Address of(StateConfig config) {
        String location = config.location();
        Properties props = new Properties();
        String hosts;
        String database;
        String lower = location.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:")) {
          Matcher m = JDBC.matcher(location);
          if (!m.matches()) {
            throw new InvalidConfigException(
                "cannot read host and database from " + Locations.redact(location));
          }
          hosts = m.group(1).isEmpty() ? "localhost" : m.group(1);
          database = decode(m.group(2));
          if (m.group(3) != null) {
            for (String pair : m.group(3).split("&")) {
              int eq = pair.indexOf('=');
              if (eq > 0) {
                props.setProperty(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
              }
            }
          }
        } else {
          String rest = location.substring(location.indexOf("://") + 3);
          int slash = rest.indexOf('/');
          String authority = slash < 0 ? rest : rest.substring(0, slash);
          database = slash < 0 ? "" : decode(rest.substring(slash + 1));
          int at = authority.lastIndexOf('@');
          hosts = at < 0 ? authority : authority.substring(at + 1);
          if (at >= 0) {
            String userInfo = authority.substring(0, at);
            int colon = userInfo.indexOf(':');
            props.setProperty("user", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
            if (colon >= 0) {
              props.setProperty("password", decode(userInfo.substring(colon + 1)));
            }
          }
        }
        config
            .options()
            .forEach(
                (k, v) -> {
                  if (!DRIVER_OPTIONS.contains(k)) {
                    props.setProperty(k, v);
                  }
                });
        props.setProperty("ApplicationName", "harbor-state-bench");
        return new Address("jdbc:postgresql://" + hosts + "/" + database, hosts, database, props);
      }

      private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
      }

      @Override
      public String toString() {
        return "Address[" + describe() + "]";
      }
    }
  }
}
