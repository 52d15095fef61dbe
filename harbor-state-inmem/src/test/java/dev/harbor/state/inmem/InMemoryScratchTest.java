package dev.harbor.state.inmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import org.junit.jupiter.api.Test;

class InMemoryScratchTest {

  private static final Quadruple Q = new Quadruple("t", "u", "s", "");

  @Test
  void scratch_opensANewStoreWithTheBaseOptions() {
    try (ScratchLocation scratch = StateStores.scratch("inmem:?maxPayloadBytes=4", "test")) {
      assertThat(scratch.jdbcUrl()).isEmpty();
      try (StateStore store = StateStores.open(scratch.location())) {
        store.save(StateRecord.of(EventId.of("E1"), Q, "k", new byte[4]));
        assertThatThrownBy(() -> store.save(StateRecord.of(EventId.of("E2"), Q, "k", new byte[5])))
            .isInstanceOf(InvalidRecordException.class);
      }
      try (StateStore again = StateStores.open(scratch.location())) {
        assertThat(again.find(Q, "k")).as("every open is a new store").isEmpty();
      }
    }
  }

  @Test
  void aBadOption_fails() {
    assertThatThrownBy(() -> StateStores.scratch("inmem:?nope=1", "test"))
        .isInstanceOf(InvalidConfigException.class);
  }
}
