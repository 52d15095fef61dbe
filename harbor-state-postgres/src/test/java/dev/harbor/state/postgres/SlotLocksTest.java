package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Lock keys are shared by every store on a schema, whatever its version: they must never change.
 * Pinned with values computed by the first implementation (a fresh SHA-256 per key); scope keys
 * with those of v2, the buckets of issue 24 (a store before it locks sessions, not buckets, and
 * must not run beside one after it).
 */
class SlotLocksTest {

  @Test
  void keys_areThoseOfEveryEarlierVersion() {
    SlotLocks locks = new SlotLocks("harbor_state");
    Quadruple q = new Quadruple("t\u00e9", "u1", "s-\u4e16", "run");
    assertThat(locks.scopeKey(q.identity())).isEqualTo(-5973994128891972375L);
    assertThat(locks.key(q, "kind.x")).isEqualTo(5440832742146870005L);
    assertThat(locks.key(new Quadruple("t", "u", "s", ""), "k")).isEqualTo(2108702073567477905L);
  }

  @Test
  void scopeKeys_areAtMostSixteenBucketsPerTenant() {
    SlotLocks locks = new SlotLocks("harbor_state");
    Set<Long> keys = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      keys.add(locks.scopeKey(new Identity("t", "u" + i, "s" + i)));
    }
    assertThat(keys).hasSize(SlotLocks.BUCKETS);
    assertThat(locks.scopeKey(new Identity("t2", "u0", "s0"))).isNotIn(keys);
  }

  @Test
  void manySlots_escalateToTheirScopesExclusive() {
    SlotLocks locks = new SlotLocks("harbor_state");
    List<SlotLocks.Slot> few = new ArrayList<>();
    List<SlotLocks.Slot> many = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      SlotLocks.Slot s = new SlotLocks.Slot(new Quadruple("t", "u", "s" + i, ""), "k");
      many.add(s);
      if (i < SlotLocks.MAX_KEYS / 2) {
        few.add(s);
      }
    }
    SlotLocks.Keys fine = locks.boundedKeys(few);
    assertThat(fine.slots()).hasSize(few.size());
    assertThat(fine.exceedsBudget()).isFalse();
    SlotLocks.Keys escalated = locks.boundedKeys(many);
    assertThat(escalated.scopes()).isEmpty();
    assertThat(escalated.slots()).hasSize(SlotLocks.BUCKETS).isSorted();
    assertThat(escalated.exceedsBudget()).isFalse();
  }

  @Test
  void keysComputedConcurrently_areTheSameAsComputedAlone() throws Exception {
    SlotLocks locks = new SlotLocks("harbor_state");
    List<Long> alone = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      Quadruple q = new Quadruple("t", "u" + i, "s" + i, "");
      alone.add(locks.scopeKey(q.identity()) ^ locks.key(q, "k" + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<List<Long>>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Callable<List<Long>> task =
            () -> {
              List<Long> keys = new ArrayList<>();
              for (int i = 0; i < 2_000; i++) {
                Quadruple q = new Quadruple("t", "u" + i, "s" + i, "");
                keys.add(locks.scopeKey(q.identity()) ^ locks.key(q, "k" + i));
              }
              return keys;
            };
        results.add(pool.submit(task));
      }
      for (Future<List<Long>> r : results) {
        assertThat(r.get()).isEqualTo(alone);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
