package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The batching rule of import and copy: batches bounded by records and by bytes. */
class BatcherTest {

  /** What one saveAll received; payloads are not kept, so large ones cost no test memory. */
  private record Batch(List<EventId> ids, List<Integer> payloads) {
    long cost() {
      return payloads.stream().mapToLong(p -> p + Batcher.RECORD_OVERHEAD).sum();
    }
  }

  private final List<Batch> batches = new ArrayList<>();

  private Batcher batcher(int size, long budget) {
    return new Batcher(
        b ->
            batches.add(
                new Batch(
                    b.stream().map(StateRecord::id).toList(),
                    b.stream().map(StateRecord::size).toList())),
        size,
        budget);
  }

  private static StateRecord record(int i, int payload) {
    return StateRecord.of(
        EventId.of("ev-" + i), new Quadruple("t", "u", "s", ""), "k." + i, new byte[payload]);
  }

  /**
   * Adds records with these payload sizes, flushes, and returns how many records each batch had.
   */
  private List<Integer> run(Batcher batcher, int... payloads) {
    batches.clear();
    for (int i = 0; i < payloads.length; i++) {
      batcher.add(record(i, payloads[i]), i + 1);
    }
    batcher.flush();
    assertThat(batcher.written()).isEqualTo(payloads.length);
    assertThat(batches.stream().flatMap(b -> b.ids().stream()).toList())
        .as("every record once, in order")
        .containsExactlyElementsOf(
            IntStream.range(0, payloads.length).mapToObj(i -> EventId.of("ev-" + i)).toList());
    return batches.stream().map(b -> b.ids().size()).toList();
  }

  @Test
  void countBound_flushesEverySizeRecords() {
    assertThat(run(batcher(3, Batcher.DEFAULT_BYTES), 10, 10, 10, 10, 10, 10, 10))
        .containsExactly(3, 3, 1);
  }

  @Test
  void byteBound_flushesBeforeTheRecordThatWouldExceedTheBudget() {
    long cost = 1000 + Batcher.RECORD_OVERHEAD;
    // Three records fill the budget exactly; a fourth, or one byte more, passes it.
    assertThat(run(batcher(500, 3 * cost), 1000, 1000, 1000, 1000, 1000, 1000, 1000))
        .containsExactly(3, 3, 1);
    assertThat(run(batcher(500, 3 * cost), 1000, 1000, 1001, 1000)).containsExactly(2, 2);
  }

  @Test
  void byteBound_keepsLargePayloadsWithinTheDefaultBudget() {
    int[] twelveMiB = new int[12];
    Arrays.fill(twelveMiB, 12 << 20);
    assertThat(run(batcher(Batcher.DEFAULT_SIZE, Batcher.DEFAULT_BYTES), twelveMiB))
        .containsExactly(2, 2, 2, 2, 2, 2);
    assertThat(batches).allMatch(b -> b.cost() <= Batcher.DEFAULT_BYTES);
  }

  @Test
  void aRecordLargerThanTheBudget_goesAloneInItsOwnBatch() {
    assertThat(run(batcher(500, 10_000), 10, 10, 50_000, 10, 10)).containsExactly(2, 1, 2);
    assertThat(batches.get(1).payloads()).containsExactly(50_000);
    assertThat(run(batcher(500, 10_000), 50_000)).containsExactly(1);
  }

  @Test
  void emptyInput_writesNothing() {
    Batcher batcher = batcher(500, Batcher.DEFAULT_BYTES);
    batcher.flush();
    assertThat(batches).isEmpty();
    assertThat(batcher.written()).isZero();
  }

  @Test
  void aRepeatedSlot_stillFlushesFirst() {
    Batcher batcher = batcher(500, Batcher.DEFAULT_BYTES);
    StateRecord first = record(1, 10);
    batcher.add(first, 1);
    batcher.add(first.withId(EventId.of("ev-again")), 2);
    batcher.flush();
    assertThat(batches).extracting(b -> b.ids().size()).containsExactly(1, 1);
    assertThat(batcher.written()).isEqualTo(2);
  }

  @Test
  void boundsOutsideTheirRange_areInvalidInput() {
    assertThatThrownBy(() -> batcher(0, Batcher.DEFAULT_BYTES))
        .isInstanceOf(ExitCodes.InvalidInputException.class)
        .hasMessageContaining("--batch-size");
    assertThatThrownBy(() -> batcher(500, 0))
        .isInstanceOf(ExitCodes.InvalidInputException.class)
        .hasMessageContaining("--batch-bytes");
    assertThatThrownBy(() -> batcher(500, Batcher.MAX_BYTES + 1))
        .isInstanceOf(ExitCodes.InvalidInputException.class)
        .hasMessageContaining("--batch-bytes");
  }
}
