package dev.harbor.state.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.Options;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreOption;
import dev.harbor.state.sql.CallLog;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens PostgreSQL stores: by location through {@link dev.harbor.state.StateStores} (the store then
 * owns a HikariCP pool), or over an application's own {@link DataSource} with {@link
 * #open(DataSource, Map)} (the store borrows connections and never closes the pool).
 *
 * <p>Options ({@link #options()}): {@code schema} (default {@code public}), {@code maxPoolSize}
 * (10), {@code connectTimeout} (10s), {@code operationTimeout} (30s), {@code maxPayloadBytes}
 * (16MiB), {@code maxBatchBytes} (64MiB), {@code migrate} ({@code apply} or {@code verify}) and
 * {@code applicationName} ({@code harbor-state}). Any other option of a location is handed to
 * pgjdbc as a connection property (such as {@code sslmode} or {@code targetServerType}).
 *
 * <p>Several application nodes may share one database: every node opens the same location;
 * conditional writes serialize through PostgreSQL advisory locks, so they hold across pools,
 * processes and machines; and migrations serialize through an advisory lock, so any number of nodes
 * may start at once.
 */
public final class PostgresStateStore {

  private static final AtomicInteger POOLS = new AtomicInteger();

  private static final Logger LOG = LoggerFactory.getLogger(PostgresStateStore.class);

  private PostgresStateStore() {}

  /**
   * The driver's options: name, default and meaning, as the README and the command line list them.
   *
   * @return the options table
   */
  public static List<StoreOption> options() {
    return PgSettings.TABLE;
  }

  /**
   * Opens a store over a pool the application owns, stamping records with the system clock.
   *
   * @param dataSource the application's pool of PostgreSQL connections; the store never closes it
   * @param options {@code schema}, {@code operationTimeout}, {@code maxPayloadBytes} and {@code
   *     migrate}
   * @return an open store, connected and with a current schema
   * @throws NullPointerException if an argument is {@code null}
   * @throws InvalidConfigException if an option is malformed or configures a pool (the
   *     application's pool is configured by the application)
   * @throws StorageException if the database cannot be reached or its schema is not usable
   */
  public static StateStore open(DataSource dataSource, Map<String, String> options) {
    return open(dataSource, options, Clock.systemUTC());
  }

  /**
   * Opens a store over a pool the application owns.
   *
   * <p>The store leaves no setting on the pool's connections: each operation sets {@code
   * statement_timeout} and {@code lock_timeout} (to operationTimeout) and READ COMMITTED inside its
   * own transaction; and where the pool's connections are not pinned to one server backend (a
   * transaction pooler such as PgBouncer) it runs its statements unprepared ({@code
   * prepareThreshold} 0 while it holds a connection, restored after).
   *
   * @param dataSource the application's pool of PostgreSQL connections; the store never closes it
   * @param options {@code schema}, {@code operationTimeout}, {@code maxPayloadBytes} and {@code
   *     migrate}
   * @param clock the clock that stamps records saved without {@code updatedAt}
   * @return an open store, connected and with a current schema
   * @throws NullPointerException if an argument is {@code null}
   * @throws InvalidConfigException if an option is malformed or configures a pool
   * @throws StorageException if the database cannot be reached or its schema is not usable
   */
  public static StateStore open(DataSource dataSource, Map<String, String> options, Clock clock) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(clock, "clock");
    for (StoreOption o : PgSettings.TABLE) {
      if (options.containsKey(o.name()) && !PgSettings.BORROWED_TABLE.contains(o)) {
        throw new InvalidConfigException(
            "option "
                + o.name()
                + " configures the store's own pool; with a borrowed"
                + " DataSource, configure that pool instead");
      }
    }
    StateConfig config =
        StateConfig.builder().driver(PgStore.DRIVER).options(options).clock(clock).build();
    PgSettings settings = PgSettings.from(Options.of(config, PgSettings.BORROWED_TABLE), false);
    StoreContext context = context(settings, clock);
    PgDatabase db = new PgDatabase(dataSource, null, context, settings.operationTimeout());
    prepareSchema(db, settings, "the given DataSource", null, -1);
    StateStore store = StoreCore.open(context, new PgStore(db, settings, context));
    opened(context, "the given DataSource", settings, config);
    return store;
  }

  /**
   * Opens a store with a pool of its own (what the provider does).
   *
   * @param config the location, options and clock
   * @return an open store
   */
  static StateStore open(StateConfig config) {
    Objects.requireNonNull(config, "config");
    PgLocation location = PgLocation.parse(config.location());
    PgSettings settings = PgSettings.from(Options.withPassThrough(config, PgSettings.TABLE), true);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(hikari(location, settings));
    } catch (HikariPool.PoolInitializationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw openFailure(location.describe(), location.password(), cause);
    }
    StoreContext context = context(settings, config.clock());
    // From here on the pool (its connections and its housekeeping thread) is ours to close should
    // anything fail before the store exists to own it.
    try {
      PgDatabase db = new PgDatabase(pool, pool, context, settings.operationTimeout());
      String given = settings.passThrough().get(PGProperty.PREPARE_THRESHOLD.getName());
      prepareSchema(
          db,
          settings,
          location.describe(),
          location.password(),
          given == null ? -1 : Math.max(0, parseThreshold(given)));
      StateStore store = StoreCore.open(context, new PgStore(db, settings, context));
      context.publishPool(new PgPoolView(pool, settings.maxPoolSize()));
      opened(context, location.describe(), settings, config);
      return store;
    } catch (RuntimeException | Error e) {
      pool.close();
      throw e;
    }
  }

  private static StoreContext context(PgSettings settings, Clock clock) {
    return new StoreContext(
        PgStore.DRIVER,
        "the " + PgStore.DRIVER + " store",
        settings.maxPayloadBytes(),
        settings.maxBatchBytes(),
        clock);
  }

  /** The store's per-call warnings, and the line that says it opened. */
  private static void opened(
      StoreContext context, String where, PgSettings settings, StateConfig config) {
    CallLog.attach(context, LOG, Options.withPassThrough(config, PgSettings.TABLE).slowOperation());
    // where is PgLocation.describe() (host, port, database; never the password) or "the given
    // DataSource".
    LOG.info(
        "opened the postgres store at {}, schema {} (schema version {})",
        where,
        settings.schema(),
        PgMigrations.PLAN.latestVersion());
  }

  private static HikariConfig hikari(PgLocation location, PgSettings settings) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("harbor-state-postgres-" + POOLS.incrementAndGet());
    // The pool gets a data source holding the URL, credentials and properties, not them: its DEBUG
    // configuration dump prints its own properties (masking only "password", not "sslpassword"),
    // and a data source prints as its class name.
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(location.jdbcUrl());
    if (location.user() != null) {
      ds.setUser(location.user());
    }
    if (location.password() != null) {
      ds.setPassword(location.password());
    }
    Map<String, String> given = settings.passThrough();
    given.forEach((name, value) -> ds.setProperty(PGProperty.forName(name), value));
    defaultProperty(ds, given, PGProperty.APPLICATION_NAME, settings.applicationName());
    defaultProperty(ds, given, PGProperty.CONNECT_TIMEOUT, seconds(settings.connectTimeout()));
    // A backstop for a server that vanished without closing the socket; statement_timeout fires
    // well before it.
    defaultProperty(
        ds, given, PGProperty.SOCKET_TIMEOUT, seconds(settings.operationTimeout().plusSeconds(30)));
    defaultProperty(ds, given, PGProperty.TCP_KEEP_ALIVE, "true");
    hc.setMaximumPoolSize(settings.maxPoolSize());
    // Connections are opened on demand and kept while in use; many stores in one process stay
    // cheap.
    hc.setMinimumIdle(Math.min(1, settings.maxPoolSize()));
    // Waiting for a connection is waiting on the backend: bounded by operationTimeout (Hikari's
    // floor is 250 ms).
    long wait = Math.max(250, settings.operationTimeout().toMillis());
    hc.setConnectionTimeout(wait);
    hc.setValidationTimeout(Math.max(250, Math.min(5_000, wait / 2)));
    // Fail the open on the first connection attempt instead of waiting: a wrong host or password is
    // reported at once.
    hc.setInitializationFailTimeout(1);
    hc.setAutoCommit(true);
    // No connectionInitSql: session settings would stay on whichever server connection a
    // transaction pooler picked. Each operation makes its own, transaction-local
    // (PgLocalSettings). And no server-side prepared statements outside the store's work (the
    // pool's validation queries), which a pooler would hand to another client; the work uses them
    // where the connection proves to be direct (PgDatabase.learnDefaults).
    defaultProperty(ds, given, PGProperty.PREPARE_THRESHOLD, "0");
    hc.setDataSource(ds);
    return hc;
  }

  private static void defaultProperty(
      PGSimpleDataSource ds, Map<String, String> given, PGProperty property, String value) {
    if (!given.containsKey(property.getName())) {
      ds.setProperty(property, value);
    }
  }

  /** A prepareThreshold given as an option. */
  private static int parseThreshold(String value) {
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(
          "option prepareThreshold='" + value + "' of driver 'postgres' is not a number", e);
    }
  }

  private static String seconds(Duration d) {
    return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
  }

  /**
   * Verifies the connection and brings the schema up to date (or verifies it), at open rather than
   * at first use.
   */
  private static void prepareSchema(
      PgDatabase db,
      PgSettings settings,
      String where,
      @Nullable String password,
      int givenThreshold) {
    try (Connection borrowed = db.borrow()) {
      // Unnamed statements only (a transaction pooler), and every statement with the operation's
      // transaction-local timeouts, as the store's own work.
      PGConnection pg = borrowed.unwrap(PGConnection.class);
      int prepareThreshold = pg.getPrepareThreshold();
      pg.setPrepareThreshold(0);
      int networkTimeout = borrowed.getNetworkTimeout();
      try {
        db.learnDefaults(borrowed, givenThreshold);
        // A migration may take longer than the socket timeout that bounds the store's calls
        // (PgMigrations); the server itself ends it if its lock waits run out.
        borrowed.setNetworkTimeout(Runnable::run, 0);
        Connection c = db.scoped(borrowed);
        migrate(c, settings, where);
      } finally {
        pg.setPrepareThreshold(prepareThreshold);
        borrowed.setNetworkTimeout(Runnable::run, networkTimeout);
      }
    } catch (SQLException e) {
      throw openFailure(where, password, e);
    }
  }

  /** Checks the encoding, then applies or verifies the migrations. */
  private static void migrate(Connection c, PgSettings settings, String where) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_setting('server_encoding')")) {
      rs.next();
      if (!"UTF8".equals(rs.getString(1))) {
        throw new StorageException(
            "cannot open the postgres store at "
                + where
                + ": the database encoding is "
                + rs.getString(1)
                + ", but harbor-state needs UTF8",
            false,
            null);
      }
    }
    // Through a transaction pooler too: the migrations are one transaction under a
    // transaction-scoped advisory lock, and nothing of them stays on the session.
    if (settings.verifyOnly()) {
      PgMigrations.verify(c, settings.schema(), settings.quotedSchema());
    } else {
      PgMigrations.apply(c, settings.schema(), settings.quotedSchema());
    }
  }

  /** One line naming host and database and the server's reason, never the password. */
  private static StateStoreException openFailure(
      String where, @Nullable String password, Throwable cause) {
    boolean transientFailure = cause instanceof SQLException e && PgErrors.isTransient(e);
    String reason =
        PgErrors.redacted(
            cause instanceof SQLException e
                ? PgErrors.reason(e)
                : String.valueOf(cause.getMessage()).strip().split("\n", 2)[0],
            password);
    return new StorageException(
        "cannot open the postgres store at " + where + ": " + reason, transientFailure, cause);
  }
}
