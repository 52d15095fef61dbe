package dev.harbor.state.reliability;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.reliability.History.Call;
import dev.harbor.state.reliability.History.Op;
import dev.harbor.state.reliability.History.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds histories by hand for the checker's tests: operations placed at explicit times in
 * microseconds, and short names for records, slots and calls. Every record has the same fixed
 * {@code updatedAt} (the checker requires one) and carries its event id as its bytes.
 */
final class HandMadeHistory {

  static final Instant AT = Instant.parse("2030-01-01T00:00:00Z");
  static final String TENANT = "t1";

  private final List<Op> ops = new ArrayList<>();

  /** The session scope {@code tenant/u1/s1}. */
  static Identity session(String tenant) {
    return new Identity(tenant, "u1", "s1");
  }

  /** The slot quadruple of {@code tenant/u1/s1} with the empty run. */
  static Quadruple q(String tenant) {
    return session(tenant).sessionScoped();
  }

  /** A record of tenant {@link #TENANT} at kind {@code kind}. */
  static StateRecord rec(String id, String kind) {
    return rec(TENANT, id, kind);
  }

  /** A record of {@code tenant} at kind {@code kind}. */
  static StateRecord rec(String tenant, String id, String kind) {
    return StateRecord.builder()
        .id(id)
        .identity(q(tenant))
        .kind(kind)
        .version(1)
        .bytes(id.getBytes(StandardCharsets.UTF_8))
        .updatedAt(AT)
        .build();
  }

  static SlotExpectation exact(String kind, String id) {
    return SlotExpectation.exact(q(TENANT), kind, EventId.of(id));
  }

  static SlotExpectation absent(String kind) {
    return SlotExpectation.absent(q(TENANT), kind);
  }

  static Call save(StateRecord r) {
    return new History.Save(r);
  }

  static Call saveAll(StateRecord... rs) {
    return new History.SaveAll(List.of(rs));
  }

  static Call saveIf(List<SlotExpectation> es, StateRecord next) {
    return new History.SaveIf(es, next);
  }

  static Call find(String kind) {
    return find(TENANT, kind);
  }

  static Call find(String tenant, String kind) {
    return new History.Find(q(tenant), kind);
  }

  static Call findByEventId(String id) {
    return new History.FindByEventId(TENANT, EventId.of(id));
  }

  static Call deleteScope() {
    return new History.DeleteScope(session(TENANT));
  }

  /** A read's normalized result: the record found. */
  static Optional<StateRecord> found(StateRecord r) {
    return Optional.of(r);
  }

  /** A read's normalized result: nothing found. */
  static Optional<StateRecord> none() {
    return Optional.empty();
  }

  /** An operation that returned {@code value} ({@code null} for a void call). */
  HandMadeHistory ok(int process, long fromMicros, long toMicros, Call call, Object value) {
    return add(process, fromMicros, toMicros, call, new History.Returned(value));
  }

  /** An operation that threw a contract exception. */
  HandMadeHistory threw(
      int process,
      long fromMicros,
      long toMicros,
      Call call,
      Class<? extends StateStoreException> type) {
    return add(process, fromMicros, toMicros, call, new History.Threw(type));
  }

  /** An operation whose effect is unknown (it gave up at {@code toMicros}). */
  HandMadeHistory unknown(int process, long fromMicros, long toMicros, Call call) {
    return add(process, fromMicros, toMicros, call, new History.Unknown("test"));
  }

  HandMadeHistory add(int process, long fromMicros, long toMicros, Call call, Outcome outcome) {
    ops.add(new Op(ops.size(), process, call, fromMicros * 1000, toMicros * 1000, outcome));
    return this;
  }

  History build() {
    return new History(ops);
  }
}
