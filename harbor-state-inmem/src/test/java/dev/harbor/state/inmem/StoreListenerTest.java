package dev.harbor.state.inmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.spi.StoreCall;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreListener;
import dev.harbor.state.spi.StoreOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The core's listener hook, seen through a real driver: one event per call, named and timed. */
class StoreListenerTest {

  private static final Quadruple Q = new Quadruple("t", "u", "s", "");

  private final List<StoreCall> calls = new CopyOnWriteArrayList<>();
  private final StoreListener recorder = calls::add;

  private static StateRecord rec(String id, String payload) {
    return StateRecord.of(EventId.of(id), Q, "note", payload.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyCall_isReportedOnce_withItsMethodNameDriverAndOutcome() {
    try (StateStore store = StateStores.open(StateConfig.parse("inmem:"), recorder)) {
      store.save(rec("e1", "a"));
      store.find(Q, "note");
      assertThatThrownBy(() -> store.load(Q, "absent")).isInstanceOf(RecordNotFoundException.class);
      assertThatThrownBy(() -> store.save(rec("e1", "different bytes")))
          .isInstanceOf(IdempotencyConflictException.class);
      assertThatThrownBy(
              () -> store.saveIf(List.of(SlotExpectation.absent(Q, "note")), rec("e2", "b")))
          .isInstanceOf(ConditionFailedException.class);
      assertThatThrownBy(() -> store.save(rec("e3", "c").withSlot(Q, "")))
          .isInstanceOf(InvalidRecordException.class);
      store.listKindForIdentity(Q, "n");
    }

    assertThat(calls)
        .extracting(StoreCall::operation, StoreCall::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("save", StoreOutcome.OK),
            org.assertj.core.groups.Tuple.tuple("find", StoreOutcome.OK),
            org.assertj.core.groups.Tuple.tuple("load", StoreOutcome.NOT_FOUND),
            org.assertj.core.groups.Tuple.tuple("save", StoreOutcome.CONFLICT),
            org.assertj.core.groups.Tuple.tuple("saveIf", StoreOutcome.CONDITION_FAILED),
            org.assertj.core.groups.Tuple.tuple("save", StoreOutcome.INVALID),
            org.assertj.core.groups.Tuple.tuple("listKindForIdentity", StoreOutcome.OK));
    assertThat(calls).allSatisfy(c -> assertThat(c.driver()).isEqualTo("inmem"));
    assertThat(calls)
        .allSatisfy(c -> assertThat(c.duration()).isGreaterThanOrEqualTo(Duration.ZERO));
    assertThat(calls.get(0).failure()).isNull();
    assertThat(calls.get(2).failure()).isInstanceOf(RecordNotFoundException.class);
  }

  @Test
  void duration_coversTheWholeCall_includingAFencesAction() {
    try (StateStore store = StateStores.open(StateConfig.parse("inmem:"), recorder)) {
      store.save(rec("e1", "a"));
      store.fenceIf(SlotExpectation.exact(Q, "note", EventId.of("e1")), () -> sleep(30));
    }
    StoreCall fence = calls.get(calls.size() - 1);
    assertThat(fence.operation()).isEqualTo("fenceIf");
    assertThat(fence.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(30));
  }

  @Test
  void aListenerThatThrows_neverChangesTheCallsResult_andOthersStillSeeIt() {
    try (StateStore store = StateStores.open("inmem:")) {
      StoreCore.addListener(
          store,
          call -> {
            throw new IllegalStateException("broken listener");
          });
      StoreCore.addListener(store, recorder);
      store.save(rec("e1", "a"));
      assertThat(store.load(Q, "note").id()).isEqualTo(EventId.of("e1"));
    }
    assertThat(calls).extracting(StoreCall::operation).containsExactly("save", "load");
  }

  @Test
  void callsOnAClosedStore_areReportedInvalid() {
    StateStore store = StateStores.open(StateConfig.parse("inmem:"), recorder);
    store.close();
    assertThatThrownBy(() -> store.find(Q, "note")).isInstanceOf(StoreClosedException.class);
    assertThat(calls).extracting(StoreCall::outcome).containsExactly(StoreOutcome.INVALID);
  }

  @Test
  void theInMemoryStore_ownsNoPool() {
    try (StateStore store = StateStores.open("inmem:")) {
      assertThat(StoreCore.pool(store)).isEmpty();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
