package dev.harbor.state.inmem;

import dev.harbor.state.spi.ScratchLocation;
import java.util.Optional;
import java.util.Properties;

/**
 * The in-memory scratch: every open of {@code inmem:} is a new store already, so there is nothing
 * to create or remove.
 *
 * @param location {@code inmem:} with the base location's options
 */
record InMemoryScratch(String location) implements ScratchLocation {

  @Override
  public Optional<String> jdbcUrl() {
    return Optional.empty();
  }

  @Override
  public Properties jdbcProperties() {
    return new Properties();
  }

  @Override
  public String describe() {
    return "a new in-memory store";
  }

  /** Nothing to remove: a store's data goes with the store. */
  @Override
  public void close() {}
}
