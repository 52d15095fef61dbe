package dev.harbor.state.reliability;

import dev.harbor.state.StateStore;
import java.time.Clock;

/** How a reliability test gets a driver's store; each driver's test class supplies one. */
interface StoreUnderTest extends AutoCloseable {

  /** Opens the store under test, stamping records with {@code clock}. */
  StateStore open(Clock clock);

  /** Removes whatever {@link #open} created (files, schemas) after the store was closed. */
  @Override
  default void close() {}
}
