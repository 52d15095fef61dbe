package dev.harbor.state.postgres;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.spi.StateStoreProvider;
import dev.harbor.state.spi.StoreOption;
import java.util.List;

/**
 * The {@code postgres} driver, found by {@link java.util.ServiceLoader}: opens stores for locations
 * {@code postgres://user[:password]@host[:port]/db?...}, {@code postgresql://...} and {@code
 * jdbc:postgresql://...}. See {@link PostgresStateStore} for the options and what several nodes
 * sharing one database need.
 */
public final class PostgresStateStoreProvider implements StateStoreProvider {

  /** Creates the provider; cheap, as discovery instantiates every provider on the class path. */
  public PostgresStateStoreProvider() {}

  /**
   * The driver's name.
   *
   * @return {@code "postgres"}
   */
  @Override
  public String name() {
    return PgStore.DRIVER;
  }

  /**
   * Opens a store with a pool of its own, which {@code close()} closes.
   *
   * @param config the location, options and clock
   * @return an open store, connected and with a current schema
   * @throws dev.harbor.state.InvalidConfigException if the location or an option is malformed or
   *     unknown
   * @throws dev.harbor.state.StorageException if the database cannot be reached or its schema is
   *     not usable
   */
  @Override
  public StateStore open(StateConfig config) {
    return PostgresStateStore.open(config);
  }

  /**
   * The driver's options, as {@link PostgresStateStore#options()}.
   *
   * @return the options table
   */
  @Override
  public List<StoreOption> options() {
    return PostgresStateStore.options();
  }

  /**
   * A fresh schema {@code harbor_<label>_<random>} in the base location's database, dropped when
   * the scratch is closed.
   *
   * @param base the base location and options
   * @param label names the scratch's user
   * @return the scratch, its schema created
   */
  @Override
  public ScratchLocation scratch(StateConfig base, String label) {
    return PgScratch.create(base, label);
  }
}
