package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.exact;
import static dev.harbor.state.tck.Kit.nextGeneration;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * saveBatchIf, several writes under several predicates, all or nothing (CONTRACT.md 4.5): all
 * predicates hold → every write applied, predicate-only slots untouched; a stale predicate changes
 * nothing; an idempotency conflict of one write changes nothing; a batch cannot free an event id
 * and reuse it (a write overwriting the slot that holds the id, beside a write that carries the id,
 * is {@code IdempotencyConflictException} and changes nothing, in either order: every write's
 * idempotency is checked before anything is written; two calls can); shape errors ({@code
 * InvalidRecordException}, one dynamic test each): empty expectations, empty writes, a duplicate
 * expectation slot, a write whose slot is not expected, a duplicate write slot, a duplicate write
 * event id. (Null lists and elements: {@link NullArgumentsScenarios}.)
 */
abstract class SaveBatchIfScenarios extends Scenarios {

  private final Quadruple q = ALICE.run("r");

  SaveBatchIfScenarios(StateStoreTck kit) {
    super(kit);
  }

  @Test
  void saveBatchIf_allPredicatesHold_appliesEveryWrite() {
    StateRecord a = save(record(q, "k.a", "a1"));
    StateRecord c = save(record(q, "k.c", "c1"));
    StateRecord a2 = nextGeneration(a, "a2");
    StateRecord b1 = record(q, "k.b", "b1");
    store().saveBatchIf(List.of(exact(a), absent(b1), exact(c)), List.of(a2, b1));

    assertHolds(stored(a2));
    assertHolds(stored(b1));
    assertHolds(c);
    assertUnknown(a.id());
    assertThat(snapshot()).hasSize(3);
  }

  @Test
  void saveBatchIf_stalePredicate_changesNothing() {
    StateRecord a = save(record(q, "k.a", "a1"));
    StateRecord b = save(record(q, "k.b", "b1"));
    StateRecord c = save(record(q, "k.c", "c1"));
    List<StateRecord> before = snapshot();
    StateRecord a2 = nextGeneration(a, "a2");
    StateRecord b2 = nextGeneration(b, "b2");

    Map<String, List<SlotExpectation>> failing = new LinkedHashMap<>();
    failing.put("absent expected, slot present", List.of(exact(a), absent(b)));
    failing.put(
        "stale predicate-only slot",
        List.of(exact(a), exact(b), SlotExpectation.exact(q, "k.c", a.id())));
    failing.put(
        "exact expected on an absent slot",
        List.of(exact(a), exact(b), SlotExpectation.exact(q, "k.d", c.id())));
    failing.forEach(
        (what, expected) ->
            assertRejected(
                what,
                ConditionFailedException.class,
                () -> store().saveBatchIf(expected, List.of(a2, b2))));
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void saveBatchIf_idempotencyConflictOfOneWrite_changesNothing() {
    StateRecord a = save(record(q, "k.a", "a1"));
    StateRecord c = save(record(q, "k.c", "c1"));
    List<StateRecord> before = snapshot();
    StateRecord a2 = nextGeneration(a, "a2");
    StateRecord bReusingC = c.withSlot(q, "k.b").withUpdatedAt(null);

    assertRejected(
        "second write reuses a live id",
        IdempotencyConflictException.class,
        () -> store().saveBatchIf(List.of(exact(a), absent(bReusingC)), List.of(a2, bReusingC)));
    assertThat(snapshot()).isEqualTo(before);
    assertUnknown(a2.id());
  }

  @Test
  void saveBatchIf_cannotFreeAnEventIdAndReuseIt_throwsIdempotencyConflictAndChangesNothing() {
    StateRecord held = save(record(q, "k.held", "held"));
    List<StateRecord> before = snapshot();
    // Applied alone, the overwrite would forget held's event id; the reuse carries that id.
    StateRecord overwrite = nextGeneration(held, "overwrite");
    StateRecord reuse = record(q, "k.reuse", "reuse").withId(held.id());
    List<SlotExpectation> expected = List.of(exact(held), absent(reuse));
    Map<String, List<StateRecord>> batches = new LinkedHashMap<>();
    batches.put("overwrite, then reuse", List.of(overwrite, reuse));
    batches.put("reuse, then overwrite", List.of(reuse, overwrite));
    batches.forEach(
        (what, writes) -> {
          assertRejected(
              what,
              IdempotencyConflictException.class,
              () -> store().saveBatchIf(expected, writes));
          assertThat(snapshot()).as("store content after: %s", what).isEqualTo(before);
          assertHolds(held);
          assertUnknown(overwrite.id());
        });

    // Two calls can: the first forgets the id, the second writes it again.
    store().saveBatchIf(List.of(exact(held)), List.of(overwrite));
    store().saveBatchIf(List.of(absent(reuse)), List.of(reuse));
    assertHolds(stored(overwrite));
    assertHolds(stored(reuse));
  }

  @TestFactory
  Stream<DynamicTest> saveBatchIf_shapeErrors_throwInvalidRecordAndChangeNothing() {
    StateRecord a = record(q, "k.a", "a1");
    StateRecord a2 = nextGeneration(a, "a2");
    StateRecord b = record(q, "k.b", "b1");
    StateRecord sameIdAsA = a.withSlot(q, "k.b");
    String m = "saveBatchIf";
    return eachRejected(
        InvalidRecordException.class,
        Stream.of(
            rejects(m, "empty expectations", () -> store().saveBatchIf(List.of(), List.of(a))),
            rejects(m, "empty writes", () -> store().saveBatchIf(List.of(absent(a)), List.of())),
            rejects(
                m,
                "a slot expected twice",
                () -> store().saveBatchIf(List.of(absent(a), absent(a)), List.of(a))),
            rejects(
                m,
                "a write to a slot it does not expect",
                () -> store().saveBatchIf(List.of(absent(a)), List.of(a, b))),
            rejects(
                m,
                "a slot written twice",
                () -> store().saveBatchIf(List.of(absent(a)), List.of(a, a2))),
            rejects(
                m,
                "an event id written twice",
                () ->
                    store()
                        .saveBatchIf(
                            List.of(absent(a), absent(sameIdAsA)), List.of(a, sameIdAsA)))));
  }
}
