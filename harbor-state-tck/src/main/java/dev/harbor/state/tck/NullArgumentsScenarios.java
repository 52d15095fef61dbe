package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.exact;
import static dev.harbor.state.tck.Kit.record;

import dev.harbor.state.StateRecord;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Null arguments are programming errors (CONTRACT.md 3.9): a null list, a null element of a list, a
 * null record, expectation or action given to saveAll, saveIf, saveBatchIf, deleteIf or fenceIf,
 * and a null event id given to the tenant-scoped findByEventId or loadByEventId, is a {@code
 * NullPointerException}, nothing changes and no fenced action runs. One dynamic test per method and
 * argument.
 */
abstract class NullArgumentsScenarios extends Scenarios {

  NullArgumentsScenarios(StateStoreTck kit) {
    super(kit);
  }

  @TestFactory
  Stream<DynamicTest> nullArguments_throwNullPointerAndChangeNothing() {
    StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
    StateRecord r = record(ALICE.run("r"), "k.a", "a1");
    return eachRejected(
        NullPointerException.class,
        Stream.of(
            rejects("saveAll", "a null list", () -> store().saveAll(null)),
            rejects(
                "saveAll",
                "a null element",
                () -> store().saveAll(Arrays.asList(record(ALICE.run("r"), "k.a", "a"), null))),
            rejects("saveIf", "null expectations", () -> store().saveIf(null, r)),
            rejects("saveIf", "a null next", () -> store().saveIf(List.of(absent(r)), null)),
            rejects(
                "saveIf",
                "a null expectation element",
                () -> store().saveIf(Arrays.asList(absent(r), null), r)),
            rejects(
                "saveBatchIf", "null expectations", () -> store().saveBatchIf(null, List.of(r))),
            rejects(
                "saveBatchIf", "null writes", () -> store().saveBatchIf(List.of(absent(r)), null)),
            rejects(
                "saveBatchIf",
                "a null expectation element",
                () -> store().saveBatchIf(Arrays.asList(absent(r), null), List.of(r))),
            rejects(
                "saveBatchIf",
                "a null write element",
                () -> store().saveBatchIf(List.of(absent(r)), Arrays.asList(r, null))),
            rejects("deleteIf", "a null expectation", () -> store().deleteIf(null)),
            rejects("fenceIf", "a null expectation", () -> store().fenceIf(null, fencedAction())),
            rejects("fenceIf", "a null action", () -> store().fenceIf(exact(live), null)),
            rejects(
                "findByEventId(tenant)",
                "a null event id",
                () -> store().findByEventId(ALICE.tenantId(), null)),
            rejects(
                "loadByEventId(tenant)",
                "a null event id",
                () -> store().loadByEventId(ALICE.tenantId(), null))));
  }
}
