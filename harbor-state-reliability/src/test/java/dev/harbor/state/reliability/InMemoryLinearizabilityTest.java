package dev.harbor.state.reliability;

import dev.harbor.state.StateStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** In-memory histories, with client threads interrupted now and then. */
class InMemoryLinearizabilityTest extends LinearizabilityProperties {
  @Override
  Nodes open() {
    StateStore store = Drivers.inmem(Map.of()).open(Clock.systemUTC());
    return new Nodes() {
      @Override
      public List<StateStore> stores() {
        return List.of(store);
      }

      @Override
      public HistoryRecorder.Fault fault() {
        return () -> 0;
      }

      @Override
      public void close() {
        store.close();
      }
    };
  }
}
