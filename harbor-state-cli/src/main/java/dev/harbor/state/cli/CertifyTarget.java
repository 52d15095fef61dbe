package dev.harbor.state.cli;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where {@code certify} opens its fresh stores for one location, and how it removes them: a scratch
 * location per store, made by the location's driver (a new PostgreSQL schema, a new SQLite file in
 * a temporary directory beside the location's file, a new in-memory store) and removed after.
 */
final class CertifyTarget implements AutoCloseable {

  private final String location;
  private final String driver;
  private final Map<StateStore, ScratchLocation> scratches =
      Collections.synchronizedMap(new IdentityHashMap<>());

  private CertifyTarget(String location, String driver) {
    this.location = location;
    this.driver = driver;
  }

  /**
   * The target for a location.
   *
   * @param location the location to certify
   * @return the target
   * @throws InvalidConfigException if the location is malformed
   */
  static CertifyTarget of(String location) {
    return new CertifyTarget(location, StateConfig.parse(location).driver());
  }

  /** The driver name certified. */
  String driver() {
    return driver;
  }

  /**
   * A fresh, empty store with the kit's clock.
   *
   * @throws InvalidConfigException if the driver cannot make a fresh store beside the location
   */
  StateStore open(Clock clock) {
    ScratchLocation scratch;
    try {
      scratch = StateStores.scratch(location, "certify");
    } catch (UnsupportedOperationException e) {
      throw new InvalidConfigException(
          "certify needs a fresh store per scenario, and driver '"
              + driver
              + "' cannot make one: "
              + e.getMessage(),
          e);
    }
    StateStore store;
    try {
      store = StateStores.open(StateConfig.parse(scratch.location()).withClock(clock));
    } catch (RuntimeException e) {
      scratch.close();
      throw e;
    }
    scratches.put(store, scratch);
    return store;
  }

  /** Removes what {@link #open} created for {@code store} (which is closed). */
  void dispose(StateStore store) {
    ScratchLocation scratch = scratches.remove(store);
    if (scratch != null) {
      scratch.close();
    }
  }

  /** Removes whatever is left. */
  @Override
  public void close() {
    List<ScratchLocation> left;
    synchronized (scratches) {
      left = new ArrayList<>(scratches.values());
      scratches.clear();
    }
    for (ScratchLocation scratch : left) {
      scratch.close();
    }
  }
}
