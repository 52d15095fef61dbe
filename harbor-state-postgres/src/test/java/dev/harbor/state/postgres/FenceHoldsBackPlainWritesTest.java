package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateStore;
import dev.harbor.state.testing.BackgroundCall;
import dev.harbor.state.testing.HeldFence;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What CONTRACT.md 4.7 says PostgreSQL does beyond the contract: a fence on a slot holds back every
 * write to that slot and an erasure of its session, from another store instance too, until the
 * fence ends; then the write applies to the slot as the fence left it.
 */
class FenceHoldsBackPlainWritesTest extends DatabaseTest {

  static Stream<Arguments> plainWrites() {
    return Stream.of(
        Arguments.of(
            "save",
            (Consumer<StateStore>) s -> s.save(record("G1", "lease", "g1")),
            Optional.of("G1")),
        Arguments.of(
            "saveAll",
            (Consumer<StateStore>)
                s -> s.saveAll(List.of(record("other", "note", "x"), record("G1", "lease", "g1"))),
            Optional.of("G1")),
        Arguments.of("delete", (Consumer<StateStore>) s -> s.delete(Q, "lease"), Optional.empty()),
        Arguments.of(
            "deleteScope",
            (Consumer<StateStore>)
                s -> s.deleteScope(new Identity(Q.tenantId(), Q.userId(), Q.sessionId())),
            Optional.empty()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("plainWrites")
  void aPlainWriteFromAnotherInstance_waitsForTheFence_thenApplies(
      String name, Consumer<StateStore> write, Optional<String> slotHoldsAfter) throws Exception {
    StateStore fencing = open();
    StateStore writing = open();
    fencing.save(record("G0", "lease", "g0"));
    try (HeldFence fence =
        HeldFence.start(fencing, SlotExpectation.exact(Q, "lease", EventId.of("G0"))).holding()) {
      BackgroundCall call = BackgroundCall.start(() -> write.accept(writing));
      call.join(500);
      assertThat(call.isAlive()).as("%s waits while the fence holds", name).isTrue();
      assertThat(writing.load(Q, "lease").id().value()).isEqualTo("G0");
      fence.release();
      call.join(10_000);
      assertThat(call.isAlive()).isFalse();
      assertThat(call.failure()).isNull();
    }
    assertThat(writing.find(Q, "lease").map(r -> r.id().value())).isEqualTo(slotHoldsAfter);
  }
}
