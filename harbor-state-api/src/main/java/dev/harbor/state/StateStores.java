package dev.harbor.state;

import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.spi.StateStoreProvider;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreListener;
import dev.harbor.state.spi.StoreOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The registry of drivers, discovered once through {@link ServiceLoader}, and the way to open a
 * store by location.
 *
 * <pre>{@code
 * try (StateStore store = StateStores.open("sqlite:./state.db")) { ... }
 * }</pre>
 */
public final class StateStores {

  private StateStores() {}

  /**
   * Opens a store from a location string (see {@link StateConfig#parse}).
   *
   * @param location such as {@code inmem:}, {@code sqlite:./state.db} or {@code
   *     postgres://app@db:5432/app}
   * @return an open store; the caller closes it
   * @throws InvalidConfigException if the location or an option is malformed
   * @throws UnknownDriverException if no registered driver has the location's scheme
   * @throws StorageException if the backend cannot be reached or its schema is not usable
   */
  public static StateStore open(String location) {
    return open(StateConfig.parse(location));
  }

  /**
   * Opens a store from a configuration.
   *
   * @param config the configuration
   * @return an open store; the caller closes it
   * @throws NullPointerException if {@code config} is {@code null}
   * @throws InvalidConfigException if the location or an option is malformed
   * @throws UnknownDriverException if no registered driver has the configuration's driver name
   * @throws StorageException if the backend cannot be reached or its schema is not usable
   */
  public static StateStore open(StateConfig config) {
    Objects.requireNonNull(config, "config");
    return provider(config.driver()).open(config);
  }

  /**
   * Opens a store from a configuration with a listener attached, which sees every call on the store
   * (see {@link StoreListener}): how metrics attach to a store opened by location.
   *
   * <pre>{@code
   * StateStore store = StateStores.open(StateConfig.parse(location), metrics);
   * }</pre>
   *
   * @param config the configuration
   * @param listener observes every call on the store
   * @return an open store; the caller closes it
   * @throws NullPointerException if an argument is {@code null}
   * @throws InvalidConfigException if the location or an option is malformed
   * @throws UnknownDriverException if no registered driver has the configuration's driver name
   * @throws StorageException if the backend cannot be reached or its schema is not usable
   */
  public static StateStore open(StateConfig config, StoreListener listener) {
    Objects.requireNonNull(listener, "listener");
    return StoreCore.addListener(open(config), listener);
  }

  /**
   * Makes a throwaway place for a store beside a location, through its driver: a fresh PostgreSQL
   * schema, a fresh directory beside a SQLite file, a new in-memory store.
   *
   * @param location the base location, such as {@code postgres://app@db:5432/app}
   * @param label a short lower-case word naming the user, such as {@code bench}; see {@link
   *     ScratchLocation#newName}
   * @return the scratch, created and empty; closing it removes it
   * @throws InvalidConfigException if the location or an option is malformed
   * @throws UnknownDriverException if no registered driver has the location's scheme
   * @throws UnsupportedOperationException if the driver makes no scratch locations
   * @throws IllegalArgumentException if the label is not one {@link ScratchLocation#newName}
   *     accepts
   * @throws StorageException if the backend cannot be reached or refuses
   */
  public static ScratchLocation scratch(String location, String label) {
    StateConfig config = StateConfig.parse(location);
    return provider(config.driver()).scratch(config, label);
  }

  /**
   * The names of the drivers on the class path.
   *
   * @return the sorted names
   */
  public static List<String> registeredDrivers() {
    return List.copyOf(Registry.onClassPath().providers().keySet());
  }

  /**
   * The options a registered driver accepts, in documentation order.
   *
   * @param driver a registered driver's name
   * @return its option table
   * @throws UnknownDriverException if no registered driver has that name
   */
  public static List<StoreOption> options(String driver) {
    return provider(driver).options();
  }

  private static StateStoreProvider provider(String driver) {
    StateStoreProvider provider = Registry.onClassPath().providers().get(driver);
    if (provider == null) {
      throw new UnknownDriverException(
          "no driver named '"
              + driver
              + "' is registered; registered drivers: "
              + registeredDrivers());
    }
    return provider;
  }

  /**
   * Indexes providers by name, failing loudly when two share a name: silently picking one would
   * open the wrong backend depending on class path order.
   *
   * @throws IllegalStateException if two providers have one name
   */
  static SortedMap<String, StateStoreProvider> index(Iterable<StateStoreProvider> providers) {
    SortedMap<String, StateStoreProvider> byName = new TreeMap<>();
    List<String> duplicates = new ArrayList<>();
    for (StateStoreProvider provider : providers) {
      StateStoreProvider previous = byName.putIfAbsent(provider.name(), provider);
      if (previous != null) {
        duplicates.add(
            "'"
                + provider.name()
                + "' ("
                + previous.getClass().getName()
                + " and "
                + provider.getClass().getName()
                + ")");
      }
    }
    if (!duplicates.isEmpty()) {
      throw new IllegalStateException(
          "more than one Harbor State driver registered under one name: "
              + String.join(", ", duplicates)
              + "; remove one of them from the class path");
    }
    return byName;
  }

  /**
   * The drivers found on the class path. A failed discovery is kept and thrown as an {@link
   * IllegalStateException} on every use; thrown from a class initializer it would reach the caller
   * as an {@link ExceptionInInitializerError} once and a {@link NoClassDefFoundError} ever after.
   */
  static final class Registry {
    private final SortedMap<String, StateStoreProvider> providers; // empty when discovery failed
    private final @Nullable IllegalStateException failure;

    Registry(Iterable<StateStoreProvider> found) {
      SortedMap<String, StateStoreProvider> indexed = Collections.emptySortedMap();
      IllegalStateException failed = null;
      try {
        indexed = Collections.unmodifiableSortedMap(index(found));
      } catch (IllegalStateException e) {
        failed = e;
      }
      this.providers = indexed;
      this.failure = failed;
    }

    /**
     * The providers by name.
     *
     * @throws IllegalStateException if two providers have one name
     */
    SortedMap<String, StateStoreProvider> providers() {
      if (failure != null) {
        throw new IllegalStateException(failure.getMessage(), failure);
      }
      return providers;
    }

    /** Lazy holder: discovery runs once, on first use. */
    private static final class OnClassPath {
      static final Registry INSTANCE =
          new Registry(
              ServiceLoader.load(StateStoreProvider.class, StateStores.class.getClassLoader()));
    }

    static Registry onClassPath() {
      return OnClassPath.INSTANCE;
    }
  }
}
