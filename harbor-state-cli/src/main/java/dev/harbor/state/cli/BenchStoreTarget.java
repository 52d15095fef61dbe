package dev.harbor.state.cli;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.List;

/**
 * The store itself as a benchmark target: every operation goes through the public {@link
 * StateStore} API.
 */
final class BenchStoreTarget implements BenchTarget {

  static final String TENANT = "t1";
  static final String USER = "u1";
  static final String RUN = "";
  static final String KIND = "session.lifecycle";

  /** Records per saveAll when preloading. */
  static final int PRELOAD_BATCH = 500;

  private final StateStore store;

  BenchStoreTarget(StateStore store) {
    this.store = store;
  }

  /** The session id of a slot number, shared by every target. */
  static String session(int slot) {
    return "s" + slot;
  }

  static Quadruple slot(int slot) {
    return new Quadruple(TENANT, USER, session(slot), RUN);
  }

  StateStore store() {
    return store;
  }

  @Override
  public String name() {
    return "store";
  }

  @Override
  public void save(int slot, String eventId, byte[] payload) {
    store.save(StateRecord.of(EventId.of(eventId), slot(slot), KIND, payload));
  }

  @Override
  public int load(int slot) {
    return store.load(slot(slot), KIND).size();
  }

  @Override
  public void saveAll(int firstSlot, String[] eventIds, byte[] payload) {
    List<StateRecord> batch = new ArrayList<>(eventIds.length);
    for (int i = 0; i < eventIds.length; i++) {
      batch.add(StateRecord.of(EventId.of(eventIds[i]), slot(firstSlot + i), KIND, payload));
    }
    store.saveAll(batch);
  }

  @Override
  public void preload(int slots, byte[] payload) {
    for (int first = 0; first < slots; first += PRELOAD_BATCH) {
      String[] ids = new String[Math.min(PRELOAD_BATCH, slots - first)];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = EventId.newId().value();
      }
      saveAll(first, ids, payload);
    }
  }

  /** The store belongs to its backend, which closes it. */
  @Override
  public void close() {}
}
