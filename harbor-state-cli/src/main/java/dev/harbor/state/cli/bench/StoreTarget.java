package dev.harbor.state.cli.bench;

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
final class StoreTarget implements BenchTarget {

  static final String TENANT = "t1";
  static final String USER = "u1";
  static final String RUN = "";
  static final String KIND = "session.lifecycle";

  private final StateStore store;

  StoreTarget(StateStore store) {
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
    return BenchResult.STORE;
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

  /** The store belongs to its backend, which closes it. */
  @Override
  public void close() {}
}
