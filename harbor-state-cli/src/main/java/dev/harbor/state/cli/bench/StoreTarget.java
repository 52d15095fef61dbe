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

  /** The target name of the store wrapped with payload encryption ({@code bench --keyring}). */
  static final String SEALED = "sealed";

  private final StateStore store;
  private final String tenant;
  private final String name;

  StoreTarget(StateStore store) {
    this(store, TENANT, BenchResult.STORE);
  }

  /**
   * A target over a store in its own tenant (so its slots never hold another target's payloads).
   */
  StoreTarget(StateStore store, String tenant, String name) {
    this.store = store;
    this.tenant = tenant;
    this.name = name;
  }

  /** The session id of a slot number, shared by every target. */
  static String session(int slot) {
    return "s" + slot;
  }

  private Quadruple slot(int slot) {
    return new Quadruple(tenant, USER, session(slot), RUN);
  }

  StateStore store() {
    return store;
  }

  @Override
  public String name() {
    return name;
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
