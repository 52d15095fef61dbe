package dev.harbor.state.reliability;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreDriver;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The contract written as plainly as possible: one list of live records, searched linearly,
 * single-threaded. It is the oracle of the model-based and linearizability tests, so it favours
 * obviousness over speed. It is a {@link StoreDriver} behind the same {@link StoreCore} as every
 * driver, so validation, stamping and the derived methods are shared and only the storage
 * primitives are written again here.
 *
 * <p>Why a second reference beside the in-memory driver: the checker branches the model's state
 * millions of times and memoizes it, so it needs a state that is a plain value ({@link #state()},
 * comparable and hashable) and a model that is rebuilt from one in a step; the in-memory driver is
 * a concurrent store with locks, fences and timeouts, none of which a sequential model may have.
 */
final class ModelStore implements StoreDriver {

  private static final Comparator<byte[]> BYTES = Arrays::compareUnsigned;
  static final Comparator<StateRecord> SLOT_ORDER =
      Comparator.comparing((StateRecord r) -> utf8(r.identity().tenantId()), BYTES)
          .thenComparing(r -> utf8(r.identity().userId()), BYTES)
          .thenComparing(r -> utf8(r.identity().sessionId()), BYTES)
          .thenComparing(r -> utf8(r.identity().runId()), BYTES)
          .thenComparing(r -> utf8(r.kind()), BYTES);

  /** The driver name the model's store reports. */
  static final String DRIVER = "model";

  private final List<StateRecord> live = new ArrayList<>();
  private final StateStore store;

  ModelStore(Clock clock) {
    this.store = StoreCore.open(new StoreContext(DRIVER, 16 * 1024 * 1024, clock), this);
  }

  /**
   * A model holding exactly these live records: the checker's way to branch the state.
   *
   * @param records the live records
   * @return a new model
   */
  static ModelStore of(List<StateRecord> records) {
    ModelStore m = new ModelStore(Clock.systemUTC());
    m.live.addAll(records);
    return m;
  }

  /**
   * The model as a store: calls go through the core, as on every driver.
   *
   * @return the store
   */
  StateStore store() {
    return store;
  }

  /**
   * The live records in slot order: the model's whole state, comparable and hashable, so a checker
   * can memoize it.
   *
   * @return an immutable copy
   */
  List<StateRecord> state() {
    return live.stream().sorted(SLOT_ORDER).toList();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private Optional<StateRecord> at(Quadruple q, String kind) {
    return live.stream().filter(r -> r.identity().equals(q) && r.kind().equals(kind)).findFirst();
  }

  private Optional<StateRecord> withId(EventId id) {
    return live.stream().filter(r -> r.id().equals(id)).findFirst();
  }

  /**
   * save's rules: replay is a no-op, a live id elsewhere or with other content conflicts, else
   * upsert.
   */
  private void checkIdempotency(StateRecord r) {
    Optional<StateRecord> same = withId(r.id());
    if (same.isPresent() && !same.get().sameContent(r)) {
      throw new IdempotencyConflictException(r.id().value());
    }
  }

  private void apply(StateRecord r) {
    if (withId(r.id()).isPresent()) {
      return; // exact replay (checked before): no write at all
    }
    live.removeIf(x -> x.identity().equals(r.identity()) && x.kind().equals(r.kind()));
    live.add(r);
  }

  @Override
  public void save(StateRecord record) {
    saveAll(List.of(record));
  }

  @Override
  public void saveAll(List<StateRecord> records) {
    records.forEach(this::checkIdempotency);
    records.forEach(this::apply);
  }

  @Override
  public void saveIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
    for (SlotExpectation e : expectations) {
      if (!e.matches(at(e.identity(), e.kind()).orElse(null))) {
        throw new ConditionFailedException(e.toString());
      }
    }
    saveAll(writes);
  }

  @Override
  public boolean deleteIf(SlotExpectation expectation) {
    Optional<StateRecord> current = at(expectation.identity(), expectation.kind());
    if (current.isPresent() && expectation.matches(current.get())) {
      live.remove(current.get());
      return true;
    }
    return false;
  }

  @Override
  public void fenceIf(SlotExpectation expectation, Runnable action) {
    if (!expectation.matches(at(expectation.identity(), expectation.kind()).orElse(null))) {
      throw new ConditionFailedException(expectation.toString());
    }
    action.run();
  }

  @Override
  public Optional<StateRecord> find(Quadruple identity, String kind) {
    return at(identity, kind);
  }

  @Override
  public Optional<StateRecord> findByEventId(EventId eventId) {
    return withId(eventId);
  }

  @Override
  public Optional<StateRecord> findByEventId(String tenantId, EventId eventId) {
    return withId(eventId).filter(r -> r.identity().tenantId().equals(tenantId));
  }

  @Override
  public void delete(Quadruple identity, String kind) {
    live.removeIf(r -> r.identity().equals(identity) && r.kind().equals(kind));
  }

  @Override
  public int deleteScope(Identity identity) {
    int before = live.size();
    live.removeIf(r -> r.identity().identity().equals(identity));
    return before - live.size();
  }

  @Override
  public int purge(String tenantId, String kindPrefix, Instant latest, int limit) {
    return removeAll(
        matching(kindPrefix)
            .filter(r -> r.identity().tenantId().equals(tenantId))
            .filter(r -> !r.updatedAt().isAfter(latest))
            .sorted(Comparator.comparing(StateRecord::updatedAt).thenComparing(SLOT_ORDER))
            .limit(limit)
            .toList());
  }

  @Override
  public int eraseUser(String tenantId, String userId, int limit) {
    return removeAll(
        live.stream()
            .filter(r -> r.identity().tenantId().equals(tenantId))
            .filter(r -> r.identity().userId().equals(userId))
            .sorted(SLOT_ORDER)
            .limit(limit)
            .toList());
  }

  @Override
  public int eraseTenant(String tenantId, int limit) {
    return removeAll(
        live.stream()
            .filter(r -> r.identity().tenantId().equals(tenantId))
            .sorted(SLOT_ORDER)
            .limit(limit)
            .toList());
  }

  private int removeAll(List<StateRecord> doomed) {
    live.removeAll(doomed);
    return doomed.size();
  }

  @Override
  public List<StateRecord> listKind(String kindPrefix, int limit) {
    return matching(kindPrefix).sorted(SLOT_ORDER).limit(limit).toList();
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    return matching(kindPrefix)
        .filter(r -> r.identity().equals(identity))
        .sorted(SLOT_ORDER)
        .limit(limit)
        .toList();
  }

  @Override
  public List<StateRecord> scanKindForTenant(
      String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max) {
    return matching(kindPrefix)
        .filter(r -> r.identity().tenantId().equals(tenantId))
        .filter(
            r ->
                after.isEmpty() || SLOT_ORDER.compare(r, positionRecord(tenantId, after.get())) > 0)
        .sorted(SLOT_ORDER)
        .limit(max)
        .toList();
  }

  @Override
  public List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
    return live.stream()
        .filter(r -> after.isEmpty() || SLOT_ORDER.compare(r, after.get()) > 0)
        .sorted(SLOT_ORDER)
        .limit(max)
        .toList();
  }

  private static StateRecord positionRecord(String tenantId, ScanContinuations.Position p) {
    return StateRecord.of(
        EventId.of(""),
        new Quadruple(tenantId, p.userId(), p.sessionId(), p.runId()),
        p.kind(),
        new byte[0]);
  }

  private Stream<StateRecord> matching(String kindPrefix) {
    // Byte-exact prefix: for well-formed strings a UTF-16 prefix is exactly a UTF-8 byte prefix.
    return live.stream().filter(r -> r.kind().startsWith(kindPrefix));
  }

  @Override
  public void close() {}
}
