package dev.harbor.state.reliability;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.StoreGuard;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The contract written as plainly as possible: one list of live records, searched linearly,
 * single-threaded. It is the oracle of the model-based tests, so it favours obviousness over speed;
 * it shares only the boundary validation ({@link StoreGuard}) with the drivers, which the TCK
 * covers on its own.
 */
final class ModelStore implements StateStore {

  private static final Comparator<byte[]> BYTES = Arrays::compareUnsigned;
  static final Comparator<StateRecord> SLOT_ORDER =
      Comparator.comparing((StateRecord r) -> utf8(r.identity().tenantId()), BYTES)
          .thenComparing(r -> utf8(r.identity().userId()), BYTES)
          .thenComparing(r -> utf8(r.identity().sessionId()), BYTES)
          .thenComparing(r -> utf8(r.identity().runId()), BYTES)
          .thenComparing(r -> utf8(r.kind()), BYTES);

  private final StoreGuard guard;
  private final List<StateRecord> live = new ArrayList<>();

  ModelStore(Clock clock) {
    this.guard = new StoreGuard("model", 16 * 1024 * 1024, clock);
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
    guard.save(record);
    StateRecord r = guard.stamp(record);
    checkIdempotency(r);
    apply(r);
  }

  @Override
  public void saveAll(List<StateRecord> records) {
    guard.saveAll(records);
    List<StateRecord> stamped = records.stream().map(guard::stamp).toList();
    stamped.forEach(this::checkIdempotency);
    stamped.forEach(this::apply);
  }

  @Override
  public void saveIf(List<SlotExpectation> expectations, StateRecord next) {
    guard.saveIf(expectations, next);
    saveBatch(expectations, List.of(next));
  }

  @Override
  public void saveBatchIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
    guard.saveBatchIf(expectations, writes);
    saveBatch(expectations, writes);
  }

  private void saveBatch(List<SlotExpectation> expectations, List<StateRecord> writes) {
    for (SlotExpectation e : expectations) {
      if (!e.matches(at(e.identity(), e.kind()).orElse(null))) {
        throw new ConditionFailedException(e.toString());
      }
    }
    List<StateRecord> stamped = writes.stream().map(guard::stamp).toList();
    stamped.forEach(this::checkIdempotency);
    stamped.forEach(this::apply);
  }

  @Override
  public boolean deleteIf(SlotExpectation expectation) {
    guard.deleteIf(expectation);
    Optional<StateRecord> current = at(expectation.identity(), expectation.kind());
    if (current.isPresent() && expectation.matches(current.get())) {
      live.remove(current.get());
      return true;
    }
    return false;
  }

  @Override
  public void fenceIf(SlotExpectation expectation, Runnable action) {
    guard.fenceIf(expectation, action);
    if (!expectation.matches(at(expectation.identity(), expectation.kind()).orElse(null))) {
      throw new ConditionFailedException(expectation.toString());
    }
    action.run();
  }

  @Override
  public Optional<StateRecord> find(Quadruple identity, String kind) {
    guard.slot(identity, kind);
    return at(identity, kind);
  }

  @Override
  public StateRecord load(Quadruple identity, String kind) {
    return find(identity, kind).orElseThrow(() -> new RecordNotFoundException(kind));
  }

  @Override
  public Optional<StateRecord> findByEventId(EventId eventId) {
    guard.eventId(eventId);
    return withId(eventId);
  }

  @Override
  public StateRecord loadByEventId(EventId eventId) {
    return findByEventId(eventId).orElseThrow(() -> new RecordNotFoundException(eventId.value()));
  }

  @Override
  public void delete(Quadruple identity, String kind) {
    guard.slot(identity, kind);
    live.removeIf(r -> r.identity().equals(identity) && r.kind().equals(kind));
  }

  @Override
  public int deleteScope(Identity identity) {
    guard.deleteScope(identity);
    int before = live.size();
    live.removeIf(r -> r.identity().identity().equals(identity));
    return before - live.size();
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix) {
    guard.listKind(scope, kindPrefix);
    return matching(kindPrefix).toList();
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix, int limit) {
    guard.listKind(scope, kindPrefix, limit);
    return matching(kindPrefix).sorted(SLOT_ORDER).limit(limit).toList();
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix) {
    guard.listKindForIdentity(identity, kindPrefix);
    return matching(kindPrefix)
        .filter(r -> r.identity().equals(identity))
        .sorted(SLOT_ORDER)
        .toList();
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    guard.listKindForIdentity(identity, kindPrefix, limit);
    return matching(kindPrefix)
        .filter(r -> r.identity().equals(identity))
        .sorted(SLOT_ORDER)
        .limit(limit)
        .toList();
  }

  @Override
  public ScanPage scanKindForTenant(
      ListScope scope, String tenantId, String kindPrefix, int limit, String continuation) {
    Optional<ScanContinuations.Position> after =
        guard.scan(scope, tenantId, kindPrefix, limit, continuation);
    List<StateRecord> rows =
        matching(kindPrefix)
            .filter(r -> r.identity().tenantId().equals(tenantId))
            .filter(
                r ->
                    after.isEmpty()
                        || SLOT_ORDER.compare(r, positionRecord(tenantId, after.get())) > 0)
            .sorted(SLOT_ORDER)
            .limit(limit + 1L)
            .toList();
    return ScanContinuations.page(scope, tenantId, kindPrefix, limit, rows);
  }

  @Override
  public ScanPage scanAll(ListScope scope, int limit, String continuation) {
    Optional<StateRecord> after = guard.scanAll(scope, limit, continuation);
    List<StateRecord> rows =
        live.stream()
            .filter(r -> after.isEmpty() || SLOT_ORDER.compare(r, after.get()) > 0)
            .sorted(SLOT_ORDER)
            .limit(limit + 1L)
            .toList();
    return ScanContinuations.pageAll(scope, limit, rows);
  }

  private static StateRecord positionRecord(String tenantId, ScanContinuations.Position p) {
    return StateRecord.of(
        null, new Quadruple(tenantId, p.userId(), p.sessionId(), p.runId()), p.kind(), null);
  }

  private java.util.stream.Stream<StateRecord> matching(String kindPrefix) {
    // Byte-exact prefix: for well-formed strings a UTF-16 prefix is exactly a UTF-8 byte prefix.
    return live.stream().filter(r -> r.kind().startsWith(kindPrefix));
  }

  @Override
  public String driverName() {
    return "model";
  }

  @Override
  public void close() {
    guard.markClosed();
  }
}
