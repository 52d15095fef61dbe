package dev.harbor.state.sqlite;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.Options;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.spi.StateStoreProvider;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreOption;
import dev.harbor.state.sql.CallLog;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code sqlite} driver: the durable embedded default, one database file and no server, on
 * xerial {@code sqlite-jdbc}.
 *
 * <p>Locations: {@code sqlite:<path>} (the file is created if missing; its directory must exist)
 * and {@code sqlite::memory:} (a new private in-memory database per open). Options, given as the
 * location's query or in {@link StateConfig#options()}:
 *
 * <table>
 *   <caption>Options of the sqlite driver</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code busyTimeout}</td><td>{@code operationTimeout}</td><td>longest SQLite waits for a database file
 *       locked by another store instance or process, capped by what is left of {@code operationTimeout}</td></tr>
 *   <tr><td>{@code synchronous}</td><td>{@code FULL}</td><td>{@code NORMAL}, {@code FULL} or {@code EXTRA}; with
 *       {@code FULL} every write that returned survives a crash or power loss</td></tr>
 *   <tr><td>{@code maxPayloadBytes}</td><td>{@code 16MiB}</td><td>largest payload a record may carry (at most one
 *       billion bytes, SQLite's limit)</td></tr>
 *   <tr><td>{@code maxBatchBytes}</td><td>{@code 64MiB}</td><td>largest {@code saveAll} or {@code
 *       saveBatchIf} batch, payloads plus keys</td></tr>
 *   <tr><td>{@code operationTimeout}</td><td>{@code 30s}</td><td>longest a call waits for a connection or a locked
 *       database before a transient {@link dev.harbor.state.StorageException}</td></tr>
 *   <tr><td>{@code migrate}</td><td>{@code apply}</td><td>{@code apply} the schema migrations at open, or only
 *       {@code verify} that the schema is current</td></tr>
 *   <tr><td>{@code readers}</td><td>{@code 4}</td><td>read connections of a file store (1..64)</td></tr>
 *   <tr><td>{@code slowOperation}</td><td>{@code 1s}</td><td>a slower call is logged at WARN; {@code 0} turns
 *       the warning off</td></tr>
 * </table>
 *
 * <p>The database runs in WAL mode: readers never wait for the writer, one writer at a time.
 * Several store instances and processes may share one file and behave as one store.
 */
public final class SqliteStateStoreProvider implements StateStoreProvider {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteStateStoreProvider.class);

  /** Creates the provider; cheap, as {@link java.util.ServiceLoader} discovery requires. */
  public SqliteStateStoreProvider() {}

  /**
   * The driver's name.
   *
   * @return {@code "sqlite"}
   */
  @Override
  public String name() {
    return SqliteStore.DRIVER;
  }

  /**
   * The driver's options: {@code busyTimeout}, {@code synchronous}, {@code maxPayloadBytes}, {@code
   * maxBatchBytes}, {@code operationTimeout}, {@code migrate}, {@code readers}, {@code
   * slowOperation}.
   *
   * @return the option table, in documentation order
   */
  @Override
  public List<StoreOption> options() {
    return SqliteSettings.OPTIONS;
  }

  /**
   * Opens a SQLite store: validates the location and options, opens the connections, switches the
   * file to WAL and applies (or verifies) the schema migrations.
   *
   * @param config the location, options and clock
   * @return an open store; the caller closes it
   * @throws NullPointerException if {@code config} is {@code null}
   * @throws dev.harbor.state.InvalidConfigException if the location is empty, its directory does
   *     not exist, or an option is unknown or malformed
   * @throws dev.harbor.state.StorageException if SQLite cannot open the file, its text encoding is
   *     not UTF-8, or its schema is not usable (an edited, unknown or missing applied migration;
   *     with {@code migrate=verify}, any pending migration)
   */
  @Override
  public StateStore open(StateConfig config) {
    Objects.requireNonNull(config, "config");
    SqliteSettings settings = SqliteSettings.parse(config);
    StoreContext context =
        new StoreContext(
            SqliteStore.DRIVER,
            "sqlite database " + settings.describe(),
            settings.maxPayloadBytes(),
            Options.of(config, SqliteSettings.OPTIONS).maxBatchBytes(settings.maxPayloadBytes()),
            config.clock());
    StateStore store = StoreCore.open(context, SqliteStore.open(settings, context));
    CallLog.attach(context, LOG, Options.of(config, SqliteSettings.OPTIONS).slowOperation());
    LOG.info(
        "opened the sqlite store at {} (schema version {})",
        settings.describe(),
        SqliteMigrations.shipped(settings.describe()).latestVersion());
    return store;
  }

  /**
   * A fresh directory beside the base location's file, deleted with its files when the scratch is
   * closed; for {@code sqlite::memory:}, a new private database.
   *
   * @param base the base location and options
   * @param label names the scratch's user
   * @return the scratch, its directory created
   */
  @Override
  public ScratchLocation scratch(StateConfig base, String label) {
    return SqliteScratch.create(base, label);
  }
}
