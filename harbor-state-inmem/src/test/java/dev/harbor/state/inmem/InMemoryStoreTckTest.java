package dev.harbor.state.inmem;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.tck.StateStoreTck;

/** The conformance kit against the in-memory driver, built directly from its provider. */
class InMemoryStoreTckTest extends StateStoreTck {
  @Override
  protected StateStore newStore() {
    return new InMemoryStateStoreProvider()
        .open(StateConfig.builder().driver("inmem").clock(clock()).build());
  }
}
