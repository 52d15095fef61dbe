package dev.harbor.state.crypto;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;

/** The conformance kit on the in-memory driver, wrapped. */
class InMemoryWrappedTckTest extends WrappedTck {

  @Override
  protected StateStore newInner() {
    return StateStores.open(
        TestKeys.withRoomForEnvelope(StateConfig.builder().driver("inmem").clock(clock()).build()));
  }

  @Override
  protected void disposeInner(StateStore wrapped) {}
}
