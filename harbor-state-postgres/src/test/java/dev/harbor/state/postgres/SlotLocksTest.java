package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.Quadruple;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Lock keys are shared by every store on a schema, whatever its version: they must never change.
 * Pinned with values computed by the first implementation (a fresh SHA-256 per key).
 */
class SlotLocksTest {

  @Test
  void keys_areThoseOfEveryEarlierVersion() {
    SlotLocks locks = new SlotLocks("harbor_state");
    Quadruple q = new Quadruple("t\u00e9", "u1", "s-\u4e16", "run");
    assertThat(locks.scopeKey(q.identity())).isEqualTo(3139128937460940297L);
    assertThat(locks.key(q, "kind.x")).isEqualTo(5440832742146870005L);
    assertThat(locks.key(new Quadruple("t", "u", "s", ""), "k")).isEqualTo(2108702073567477905L);
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
