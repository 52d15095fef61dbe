package dev.harbor.state.spi;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import java.util.List;

/**
 * A driver, discovered by {@link java.util.ServiceLoader} through {@code
 * META-INF/services/dev.harbor.state.spi.StateStoreProvider}. Implementations must have a public
 * no-argument constructor and be cheap to construct: discovery instantiates every provider on the
 * class path.
 */
public interface StateStoreProvider {

  /**
   * The driver's name, the scheme of its locations. Unique among the providers on the class path.
   *
   * @return such as {@code "inmem"}, {@code "sqlite"} or {@code "postgres"}
   */
  String name();

  /**
   * Opens a store. Connectivity and schema are verified here, not at the first call.
   *
   * @param config the location, options and clock; its driver is this provider's name
   * @return an open store
   * @throws dev.harbor.state.InvalidConfigException if the location or an option is malformed or
   *     unknown
   * @throws dev.harbor.state.StorageException if the backend cannot be reached or its schema is not
   *     usable
   */
  StateStore open(StateConfig config);

  /**
   * The options this driver accepts, in documentation order: the one table that validation, the
   * README and the command line's help are written from.
   *
   * @return the options; empty if the driver documents none
   */
  default List<StoreOption> options() {
    return List.of();
  }

  /**
   * Makes a throwaway place for a store from a base location: where certify, bench and tests work
   * without touching the base's data. Drivers that can isolate a store override this.
   *
   * @param base the base location and options; its driver is this provider's name
   * @param label a short lower-case word naming the user, for {@link ScratchLocation#newName}
   * @return the scratch, created and empty; the caller closes it, which removes it
   * @throws UnsupportedOperationException if this driver makes no scratch locations (the default)
   * @throws IllegalArgumentException if the label is not one {@link ScratchLocation#newName}
   *     accepts
   * @throws dev.harbor.state.InvalidConfigException if the base location or an option is malformed
   * @throws dev.harbor.state.StorageException if the backend cannot be reached or refuses
   */
  default ScratchLocation scratch(StateConfig base, String label) {
    throw new UnsupportedOperationException(
        "driver '" + name() + "' cannot make a scratch location");
  }
}
