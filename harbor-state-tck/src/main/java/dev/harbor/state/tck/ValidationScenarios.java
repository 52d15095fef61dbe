package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.EMOJI;
import static dev.harbor.state.tck.Kit.MIB_16;
import static dev.harbor.state.tck.Kit.STOP;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.companion;
import static dev.harbor.state.tck.Kit.exact;
import static dev.harbor.state.tck.Kit.utf8;
import static dev.harbor.state.tck.Kit.utf8Length;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.ListScope;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.tck.StoreMethods.WriteMethod;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The boundaries of CONTRACT.md 4.1 and the order of its checks (CONTRACT.md 5, lookups): strings
 * of exactly 256 UTF-8 bytes are accepted in every position by every method (and a scan
 * continuation over them stays within 1366 characters); a payload of exactly 16 MiB is accepted and
 * one byte more is an {@code InvalidRecordException} for save, saveAll, saveIf and saveBatchIf; the
 * order of checks is closed, then interrupted, then identity, then the rest (one table each).
 */
abstract class ValidationScenarios extends Scenarios {

  /** Wrong in every field: identity, event id, kind. */
  private static final StateRecord ALL_WRONG =
      StateRecord.of(EventId.of(""), new Quadruple("", "", "", ""), "", null);

  ValidationScenarios(StateStoreTck kit) {
    super(kit);
  }

  @Test
  void stringsOfExactly256Utf8Bytes_areAcceptedEverywhere() {
    String tenant = "k" + "a".repeat(255);
    String user = "k" + "\u00E9".repeat(127) + "a";
    String session = "k" + "\u20AC".repeat(85);
    String run = EMOJI.repeat(64);
    String kind = "k" + STOP.repeat(85);
    String id = "k" + "ab".repeat(127) + "c";
    for (String s : List.of(tenant, user, session, run, kind, id)) {
      assertThat(utf8Length(s)).as("test data").isEqualTo(256);
    }
    Quadruple q = new Quadruple(tenant, user, session, run);
    StateRecord r = save(StateRecord.of(EventId.of(id), q, kind, utf8("max")));

    assertThat(store().load(q, kind)).isEqualTo(r);
    assertHolds(r);
    assertThat(store().loadByEventId(EventId.of(id))).isEqualTo(r);
    assertThat(store().listKindForIdentity(q, kind)).containsExactly(r);
    assertThat(store().listKindForIdentity(q, kind, 1000)).containsExactly(r);
    assertThat(store().listKind(MAINTENANCE, kind)).containsExactly(r);
    assertThat(store().listKind(MAINTENANCE, kind, 10001)).containsExactly(r);
    assertThat(store().scanKindForTenant(MAINTENANCE, tenant, kind, 256, "").records())
        .containsExactly(r);
    store().saveIf(List.of(exact(r)), r);
    store().saveAll(List.of(r));
    AtomicBoolean ran = new AtomicBoolean();
    store().fenceIf(exact(r), () -> ran.set(true));
    assertThat(ran).isTrue();
    assertHolds(r);

    // A continuation positioned at maximal components stays within its 1366 characters and
    // resumes.
    String user2 = "k" + "\u00E9".repeat(127) + "b";
    Quadruple q2 = new Quadruple(tenant, user2, session, run);
    StateRecord r2 = save(StateRecord.of(EventId.newId(), q2, kind, utf8("max 2")));
    ScanPage first = store().scanKindForTenant(MAINTENANCE, tenant, "k", 1, "");
    assertThat(first.records()).containsExactly(r);
    assertThat(first.continuation()).isNotEmpty();
    assertThat(first.continuation().length()).isLessThanOrEqualTo(1366);
    ScanPage second = store().scanKindForTenant(MAINTENANCE, tenant, "k", 1, first.continuation());
    assertThat(second.records()).containsExactly(r2);
    assertThat(second.isLast()).isTrue();

    assertThat(store().deleteIf(exact(r))).isTrue();
    store().saveBatchIf(List.of(absent(r)), List.of(r));
    assertHolds(r);
    store().delete(q, kind);
    assertAbsent(q, kind);
    assertThat(store().deleteScope(new Identity(tenant, user2, session))).isEqualTo(1);
    assertThat(snapshot()).isEmpty();
  }

  @TestFactory
  Stream<DynamicTest> payloadOfExactly16MiB_isAccepted_oneByteMoreIsRejected() {
    byte[] max = new byte[MIB_16];
    Arrays.fill(max, (byte) 0x5A);
    max[0] = 1;
    max[MIB_16 - 1] = 2;
    StateRecord big = StateRecord.of(EventId.newId(), ALICE.run("r"), "k.big", max);
    store().save(big);
    DynamicTest accepted =
        dynamicTest(
            "save accepts a payload of exactly 16 MiB",
            () -> {
              StateRecord loaded = store().load(big.identity(), "k.big");
              assertThat(loaded.size()).isEqualTo(MIB_16);
              assertThat(loaded.sameBytes(big)).as("16 MiB payload round-trips").isTrue();
            });
    StateRecord tooBig =
        StateRecord.of(EventId.newId(), ALICE.run("r"), "k.too.big", new byte[MIB_16 + 1]);
    Stream<Case> rejected =
        StoreMethods.WRITE_METHODS.stream()
            .map(
                (WriteMethod m) ->
                    rejects(
                        m.name(),
                        "a payload of 16 MiB and one byte",
                        () -> m.call().write(store(), tooBig, absent(tooBig), companion())));
    return Stream.concat(Stream.of(accepted), eachRejected(InvalidRecordException.class, rejected));
  }

  @TestFactory
  Stream<DynamicTest> closedStore_isCheckedBeforeInterruptIdentityAndInput() {
    store().close();
    return eachRejectedByClosedStore(
        StoreClosedException.class,
        Stream.of(
                new Case("save of a bad record on a closed store", () -> store().save(ALL_WRONG)),
                new Case(
                    "deleteIf of an absent expectation on a closed store",
                    () -> store().deleteIf(absent(ALL_WRONG))),
                new Case(
                    "listKind without scope on a closed store",
                    () -> store().listKind(ListScope.NONE, "")),
                new Case(
                    "scanKindForTenant with every argument wrong on a closed store",
                    () -> store().scanKindForTenant(ListScope.NONE, "", "", 0, "%%%")),
                new Case(
                    "save of a bad record on a closed store, on an interrupted thread",
                    () -> {
                      Thread.currentThread().interrupt();
                      try {
                        store().save(ALL_WRONG);
                      } finally {
                        Thread.interrupted();
                      }
                    }))
            .map(c -> new Case(c.rule() + " throws StoreClosedException", c.call())));
  }

  @TestFactory
  Stream<DynamicTest> interruptedCaller_isCheckedBeforeIdentityAndInput() {
    return eachRejected(
        OperationCancelledException.class,
        Stream.of(
                new Case("save of a bad record", () -> store().save(ALL_WRONG)),
                new Case("load of a bad slot", () -> store().load(ALL_WRONG.identity(), "")),
                new Case(
                    "deleteIf of an absent expectation", () -> store().deleteIf(absent(ALL_WRONG))),
                new Case("listKind without scope", () -> store().listKind(ListScope.NONE, "")),
                new Case(
                    "scanKindForTenant with every argument wrong",
                    () -> store().scanKindForTenant(ListScope.NONE, "", "", 0, "%%%")))
            .map(
                c ->
                    new Case(
                        c.rule() + " on an interrupted thread throws OperationCancelledException",
                        onInterruptedThread(c.call()))));
  }

  @TestFactory
  Stream<DynamicTest> incompleteIdentity_isCheckedBeforeTheRest() {
    Quadruple incomplete = new Quadruple("tenant", "", "session", "\u0000");
    StateRecord bad = StateRecord.of(EventId.of(""), incomplete, "", new byte[MIB_16 + 1]);
    String what = "an incomplete identity before a bad run, event id, kind and payload";
    return eachRejected(
        IdentityRequiredException.class,
        Stream.of(
            rejects("save", what, () -> store().save(bad)),
            rejects("saveAll", what, () -> store().saveAll(List.of(bad, bad))),
            rejects(
                "saveIf",
                "an incomplete identity before empty expectations",
                () -> store().saveIf(List.of(), bad)),
            rejects(
                "deleteIf",
                "an incomplete identity before an absent expectation",
                () -> store().deleteIf(absent(bad))),
            rejects(
                "load",
                "an incomplete identity before a bad kind",
                () -> store().load(incomplete, "\u0000")),
            rejects(
                "listKindForIdentity(limit)",
                "an incomplete identity before an empty prefix and a bad limit",
                () -> store().listKindForIdentity(incomplete, "", 0))));
  }
}
