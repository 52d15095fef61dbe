package dev.harbor.state.cli.bench;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.Locations;
import dev.harbor.state.spi.ScratchLocation;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The bench engine for one location, never on the user's data: the store and each bare baseline of
 * the same backend work in scratch locations of their own, made by the location's driver (a fresh
 * PostgreSQL schema, a fresh directory beside the SQLite file, a new in-memory store) and removed
 * at close. {@link #run} measures a {@link BenchPlan}; {@code harbor-state bench} and the
 * performance suite both call it, and the JMH benchmarks drive its {@link #storeTarget()} and
 * {@link #baseline()}.
 */
public abstract class BenchBackend implements AutoCloseable {

  /** Names the scratch locations, so a leftover shows whose it is. */
  static final String LABEL = "bench";

  final String location;
  final StateConfig config;
  final ScratchLocation scratch;
  private @Nullable StateStore store;
  private @Nullable UnaryOperator<StateStore> sealer;
  private final IdentityHashMap<BenchTarget, ScratchLocation> baselines = new IdentityHashMap<>();

  BenchBackend(String location, StateConfig config, ScratchLocation scratch) {
    this.location = location;
    this.config = config;
    this.scratch = scratch;
  }

  /**
   * Prepares the engine for a location: makes the store's scratch location.
   *
   * @param location {@code inmem:}, {@code sqlite:PATH}, {@code sqlite::memory:} or a PostgreSQL
   *     location
   * @return the backend; the caller closes it, which removes everything it created
   * @throws InvalidConfigException if the location or an option is malformed, or names a driver
   *     whose baselines bench does not know
   * @throws StorageException if the backend cannot be reached
   */
  public static BenchBackend open(String location) {
    StateConfig config = StateConfig.parse(location);
    if (!List.of("inmem", "sqlite", "postgres").contains(config.driver())) {
      throw new InvalidConfigException(
          "bench knows the baselines of inmem, sqlite and postgres, not of driver '"
              + config.driver()
              + "'");
    }
    ScratchLocation scratch = StateStores.scratch(location, LABEL);
    try {
      return switch (config.driver()) {
        case "inmem" -> new InMemory(location, config, scratch);
        case "sqlite" -> new Sqlite(location, config, scratch);
        default -> new Postgres(location, config, scratch);
      };
    } catch (RuntimeException e) {
      scratch.close();
      throw e;
    }
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
   * What runs where, for the first line of a report: driver, the location (redacted) and {@link
   * #settings()}.
   *
   * @return such as {@code sqlite at sqlite:./x.db (WAL journal, directory ..., synchronous=FULL,
   *     readers=4)}
   */
  public String summary() {
    return driver() + " at " + Locations.redact(location) + " (" + settings() + ")";
  }

  /**
   * The settings that shape the figures (pool size, synchronous mode, server settings, where the
   * scratch is).
   *
   * @return one line
   */
  public abstract String settings();

  /**
   * The store under test, opened on first use in the bench's scratch location; closed by {@link
   * #close()}.
   *
   * @return the store
   */
  public synchronized StateStore store() {
    if (store == null) {
      store = StateStores.open(scratch.location());
    }
    return store;
  }

  /**
   * Measures, beside the store, the store wrapped by {@code sealer} (payload encryption), in a
   * tenant of its own: {@code bench --keyring} puts the two side by side in one run.
   *
   * @param sealer wraps the store under test
   */
  public synchronized void sealWith(UnaryOperator<StateStore> sealer) {
    this.sealer = sealer;
  }

  /**
   * The sealed store as a benchmark target, if {@link #sealWith} was called.
   *
   * @return the target, named {@code sealed}
   */
  public synchronized Optional<BenchTarget> sealedTarget() {
    if (sealer == null) {
      return Optional.empty();
    }
    return Optional.of(
        new StoreTarget(sealer.apply(store()), StoreTarget.TENANT + "-sealed", StoreTarget.SEALED));
  }

  /**
   * The store as a benchmark target.
   *
   * @return a target over {@link #store()}
   */
  public BenchTarget storeTarget() {
    return new StoreTarget(store());
  }

  /**
   * A new bare baseline of this backend with the store's settings, in a scratch location of its
   * own; closed by {@link #close()}.
   *
   * @return the baseline
   */
  public synchronized BenchTarget baseline() {
    ScratchLocation own = StateStores.scratch(location, LABEL);
    try {
      BenchTarget b = newBaseline(own);
      baselines.put(b, own);
      return b;
    } catch (RuntimeException e) {
      own.close();
      throw e;
    }
  }

  /**
   * Runs a plan: every workload at every payload and thread count, on the store and, if the plan
   * says so, on a baseline (and pgbench).
   *
   * @param plan what to run
   * @param env the environment, where pgbench is looked up on the PATH
   * @param progress told {@code [run/total] what} before each step, for a status line
   * @return one result per run: per payload and workload, the store's at each thread count, then
   *     each baseline's
   * @throws InterruptedException if interrupted while measuring
   */
  public List<BenchResult> run(BenchPlan plan, Map<String, String> env, Consumer<String> progress)
      throws InterruptedException {
    return new Runner(this, plan, env, progress).run();
  }

  /** The pgbench baseline beside a baseline, where the backend has one and pgbench is found. */
  Optional<Pgbench> pgbench(BenchTarget baseline, Map<String, String> env) {
    return Optional.empty();
  }

  /** A bare baseline in its own scratch location. */
  abstract BenchTarget newBaseline(ScratchLocation own);

  /** The scratch location of a baseline made by {@link #baseline()}. */
  synchronized ScratchLocation scratchOf(BenchTarget baseline) {
    return Objects.requireNonNull(baselines.get(baseline), "a baseline made by baseline()");
  }

  /**
   * Closes the store and the baselines and removes their scratch locations.
   *
   * @throws StorageException if a scratch location cannot be removed (after trying every one)
   */
  @Override
  public synchronized void close() {
    List<AutoCloseable> all = new ArrayList<>();
    baselines.forEach(
        (target, own) -> {
          all.add(target);
          all.add(own);
        });
    baselines.clear();
    if (store != null) {
      all.add(store);
      store = null;
    }
    all.add(scratch);
    RuntimeException first = null;
    for (AutoCloseable c : all) {
      try {
        c.close();
      } catch (Exception e) {
        if (first == null) {
          first = e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** A new in-memory store; the baseline is a bare map. */
  static final class InMemory extends BenchBackend {
    InMemory(String location, StateConfig config, ScratchLocation scratch) {
      super(location, config, scratch);
    }

    @Override
    public String settings() {
      return "in-process heap";
    }

    @Override
    BenchTarget newBaseline(ScratchLocation own) {
      return new Baselines.MapBaseline();
    }
  }

  /**
   * Files in scratch directories beside the location's file, so the bench measures that disk; the
   * baseline has the store's pragmas. The options were validated with the scratch.
   */
  static final class Sqlite extends BenchBackend {
    private final String synchronous;
    private final int readers;

    Sqlite(String location, StateConfig config, ScratchLocation scratch) {
      super(location, config, scratch);
      this.synchronous =
          config.options().getOrDefault("synchronous", "FULL").toUpperCase(Locale.ROOT);
      this.readers = Integer.parseInt(config.options().getOrDefault("readers", "4").strip());
    }

    @Override
    public String settings() {
      return (scratch.jdbcUrl().isEmpty()
              ? "in-memory database"
              : "WAL journal, " + scratch.describe())
          + ", synchronous="
          + synchronous
          + ", readers="
          + readers;
    }

    @Override
    BenchTarget newBaseline(ScratchLocation own) {
      Properties props = own.jdbcProperties();
      // A private in-memory database has no URL of its own: the baseline's is private too.
      boolean file = own.jdbcUrl().isPresent();
      String url = own.jdbcUrl().orElse("jdbc:sqlite::memory:");
      return new Baselines.SqliteBaseline(
          () -> DriverManager.getConnection(url, props), synchronous, file ? readers : 0, file);
    }
  }

  /**
   * Schemas of the location's database: the store's, and the baseline's, which holds the table the
   * JDBC loop and pgbench share.
   */
  static final class Postgres extends BenchBackend {
    private final int poolSize;

    Postgres(String location, StateConfig config, ScratchLocation scratch) {
      super(location, config, scratch);
      // Validated with the scratch; the default is the driver's.
      this.poolSize = Integer.parseInt(config.options().getOrDefault("maxPoolSize", "10").strip());
    }

    @Override
    public String settings() {
      StringBuilder sb = new StringBuilder("maxPoolSize=" + poolSize + ", " + scratch.describe());
      try (Connection c = connect(scratch);
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
    BenchTarget newBaseline(ScratchLocation own) {
      return new Baselines.PostgresBaseline(() -> connect(own), poolSize);
    }

    @Override
    Optional<Pgbench> pgbench(BenchTarget baseline, Map<String, String> env) {
      ScratchLocation own = scratchOf(baseline);
      return own == null
          ? Optional.empty()
          : Pgbench.find(env).flatMap(exe -> Pgbench.of(exe, own));
    }

    /** A plain connection to a scratch schema, named in pg_stat_activity as the bench's. */
    private static Connection connect(ScratchLocation s) throws SQLException {
      Properties props = s.jdbcProperties();
      props.setProperty("ApplicationName", "harbor-state-bench");
      return DriverManager.getConnection(s.jdbcUrl().orElseThrow(), props);
    }
  }
}
