package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Isolation under concurrency (CONTRACT.md 3.5, 4.10, 4.13): 128 concurrent listKindForIdentity
 * callers (unbounded and bounded), each beside four decoys that differ from its quadruple in
 * exactly one of tenant (case only), user, session or run (empty against non-empty), each see
 * exactly their own record; every 16th, on an interrupted thread, gets {@code
 * OperationCancelledException} and keeps the flag; nothing changes.
 */
abstract class ConcurrentIsolationScenarios extends Scenarios {

  private static final int CALLERS = 128;
  private static final int INTERRUPT_EVERY = 16;
  private static final String KIND = "k.iso";

  ConcurrentIsolationScenarios(StateStoreTck kit) {
    super(kit);
  }

  /** Caller {@code i}'s quadruple: even callers use the empty run, odd ones a run of their own. */
  private static Quadruple caller(int i) {
    return new Quadruple("iso-t" + i, "iso-u" + i, "iso-s" + i, i % 2 == 0 ? "" : "iso-r" + i);
  }

  /**
   * Four quadruples that differ from {@code caller(i)} in exactly one component each: the tenant in
   * case only, a user extended by {@code _}, a session cut to a prefix of itself, and the run
   * swapped between empty and non-empty.
   */
  private static List<Quadruple> decoys(int i) {
    Quadruple q = caller(i);
    String t = q.tenantId();
    String u = q.userId();
    String s = q.sessionId();
    String r = q.runId();
    return List.of(
        new Quadruple(t.toUpperCase(Locale.ROOT), u, s, r),
        new Quadruple(t, u + "_", s, r),
        new Quadruple(t, u, s.substring(0, s.length() - 1), r),
        new Quadruple(t, u, s, r.isEmpty() ? "iso-r" + i : ""));
  }

  @Test
  void
      listKindForIdentity_128ConcurrentCallersWithDecoys_seeOnlyTheirOwnRecord_interruptedOnesAreCancelled() {
    StateStore store = store();
    List<StateRecord> own = new ArrayList<>();
    List<StateRecord> all = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      StateRecord mine = record(caller(i), KIND, "caller " + i);
      own.add(mine);
      all.add(mine);
      for (Quadruple decoy : decoys(i)) {
        all.add(record(decoy, KIND, "decoy of caller " + i));
      }
    }
    assertThat(new HashSet<>(all.stream().map(StateRecord::identity).toList()))
        .as("test data: every caller and decoy has a quadruple of its own")
        .hasSize(CALLERS * 5);
    store.saveAll(all);
    List<StateRecord> before = snapshot();

    // Blocks of 16 callers alternate between the unbounded and the bounded variant, so both run
    // interrupted and uninterrupted.
    Map<Integer, List<StateRecord>> listed =
        Race.runTogetherInterruptingEvery(
            CALLERS + " concurrent listKindForIdentity callers, every 16th interrupted",
            INTERRUPT_EVERY,
            CALLERS,
            i ->
                (i / INTERRUPT_EVERY) % 2 == 0
                    ? () -> store.listKindForIdentity(caller(i), "k.iso")
                    : () -> store.listKindForIdentity(caller(i), "k.iso", 10));

    assertThat(listed).as("uninterrupted callers").hasSize(CALLERS - CALLERS / INTERRUPT_EVERY);
    listed.forEach(
        (i, records) ->
            assertThat(records)
                .as("caller %d at %s", i, caller(i))
                .containsExactly(stored(own.get(i))));
    assertThat(snapshot()).as("store content after the listings").isEqualTo(before);
  }
}
