package dev.harbor.state.cli.bench;

import dev.harbor.state.EventId;

/**
 * One thing a benchmark drives: the store through its public API, or a bare baseline of the same
 * backend (a map, a JDBC loop). Every target works on the same slots, {@code (t1, u1, s<slot>, "",
 * session.lifecycle)}, the shape the pgbench baseline uses, so their figures compare. Safe for
 * concurrent use.
 *
 * <p>Public for the JMH benchmarks of {@code harbor-state-benchmarks}, which drive the same targets
 * as {@code bench}; get one from {@link BenchBackend}.
 */
public interface BenchTarget extends AutoCloseable {

  /**
   * What this target is, for reports.
   *
   * @return such as {@code store}, {@code map}, {@code sqlite-jdbc} or {@code jdbc}
   */
  String name();

  /**
   * Upserts one slot under a new event id.
   *
   * @param slot the slot number
   * @param eventId a fresh event id
   * @param payload the payload
   */
  void save(int slot, String eventId, byte[] payload);

  /**
   * Reads one slot.
   *
   * @param slot the slot number
   * @return the payload's length, or -1 if the slot is absent (the store target throws instead)
   */
  int load(int slot);

  /**
   * Upserts consecutive slots in one atomic batch.
   *
   * @param firstSlot the first slot number
   * @param eventIds one fresh event id per slot; its length is the batch size
   * @param payload the payload of every record
   */
  void saveAll(int firstSlot, String[] eventIds, byte[] payload);

  /**
   * Fills slots {@code 0..slots-1} so that loads find them, in batches of 500.
   *
   * @param slots how many
   * @param payload the payload of every record
   */
  default void preload(int slots, byte[] payload) {
    for (int first = 0; first < slots; first += 500) {
      String[] ids = new String[Math.min(500, slots - first)];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = EventId.newId().value();
      }
      saveAll(first, ids, payload);
    }
  }

  /** Releases what the target holds (not the backend's data, which its backend removes). */
  @Override
  void close();
}
