package dev.harbor.state.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What issue 23 (defect 9) saw writers do while an export ran, as one deterministic step that a
 * test runs between two pages of a read of the whole store.
 *
 * <p>The store holds, in slot order: {@code a/k1} (moved forward, to {@code z/k1}, keeping its
 * event id), {@code a/k2} (the first half of a two-record generation), {@code a/k3} (a large
 * record, so that an export's output buffer overflows while it is written: the export's second
 * page), {@code z/k2} (the second half of the generation) and {@code z/k3} (moved back, to {@code
 * a/k0}, keeping its event id). A read of pages 1 and 2 ({@code a/k1}; {@code a/k2}, {@code a/k3}),
 * then the step, then the rest, sees on a live store {@code moved-forward} twice, the generation
 * split and {@code moved-back} not at all; a snapshot sees exactly the records as they were before
 * the step.
 */
public final class MovingWriter {

  /** Large enough to pass an export's 64 KiB output buffer on its own (base64 adds a third). */
  public static final int LARGE = 100 * 1024;

  private static Quadruple at(String tenant) {
    return new Quadruple(tenant, "u", "s", "");
  }

  private static StateRecord record(String id, String tenant, String kind, int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) (id.hashCode() + i);
    }
    return StateRecord.of(EventId.of(id), at(tenant), kind, bytes);
  }

  private MovingWriter() {}

  /**
   * Fills an empty store with the five records.
   *
   * @param store an empty store
   * @return the records as stored (with their updatedAt), in slot order
   */
  public static List<StateRecord> seed(StateStore store) {
    List<StateRecord> initial =
        List.of(
            record("moved-forward", "a", "k1", 10),
            record("gen1-a", "a", "k2", 10),
            record("large", "a", "k3", LARGE),
            record("gen1-b", "z", "k2", 10),
            record("moved-back", "z", "k3", 10));
    store.saveAll(initial);
    List<StateRecord> stored = new ArrayList<>();
    for (StateRecord r : initial) {
      stored.add(store.load(r.identity(), r.kind()));
    }
    return stored;
  }

  /**
   * The writers' step, on a store instance of its own at {@code location}: two records move between
   * slots keeping their event ids, and a two-record generation is replaced by the next in one
   * {@code saveAll}.
   *
   * @param location the store's location
   */
  public static void step(String location) {
    try (StateStore writer = StateStores.open(location)) {
      step(writer);
    }
  }

  /**
   * The writers' step on a store.
   *
   * @param writer the store they write through
   */
  public static void step(StateStore writer) {
    StateRecord forward = writer.load(at("a"), "k1");
    writer.delete(at("a"), "k1");
    writer.save(forward.withSlot(at("z"), "k1"));
    StateRecord back = writer.load(at("z"), "k3");
    writer.delete(at("z"), "k3");
    writer.save(back.withSlot(at("a"), "k0"));
    writer.saveAll(List.of(record("gen2-a", "a", "k2", 10), record("gen2-b", "z", "k2", 10)));
  }

  /**
   * Asserts that a read of the whole store saw exactly the state before the step: each generation
   * whole, no event id twice, every record that existed for the whole read.
   *
   * @param read the records read, in any order
   * @param before what {@link #seed} returned
   */
  public static void assertSnapshot(List<StateRecord> read, List<StateRecord> before) {
    assertThat(read.stream().map(StateRecord::id))
        .as("event ids read")
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(before.stream().map(StateRecord::id).toList());
    List<StateRecord> sorted = new ArrayList<>(read);
    sorted.sort(
        Comparator.comparing((StateRecord r) -> r.identity().tenantId())
            .thenComparing(StateRecord::kind));
    assertThat(sorted).as("records read").containsExactlyElementsOf(before);
  }
}
