package dev.harbor.state.langgraph4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bsc.langgraph4j.RunnableConfig;
import org.bsc.langgraph4j.checkpoint.BaseCheckpointSaver;
import org.bsc.langgraph4j.checkpoint.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two savers on two store instances of one database race to add a checkpoint on one thread's head:
 * exactly one wins, the other gets a {@link ConditionFailedException} and writes nothing, and the
 * thread never has two children of one parent. The race is steered: both puts are held at a barrier
 * inside the store call (the compare-and-swap, or the head read before it) until both have arrived.
 */
class HarborCheckpointSaverRaceTest {

  private static final int ROUNDS = 8;

  @Test
  void sqliteFile_twoInstances_oneWinsNoFork(@TempDir Path dir) throws Exception {
    String location = "sqlite:" + dir.resolve("race.db");
    race(location);
  }

  @Test
  void postgres_twoInstances_oneWinsNoFork() throws Exception {
    try (ScratchLocation scratch = TestPostgres.scratch()) {
      race(scratch.location());
    }
  }

  private static void race(String location) throws Exception {
    Steered steerA = new Steered("saveBatchIf");
    Steered steerB = new Steered("saveBatchIf");
    try (StateStore storeA = StateStores.open(location);
        StateStore storeB = StateStores.open(location)) {
      for (int round = 0; round < ROUNDS; round++) {
        // Both savers have read the thread: each expects the head it saw.
        raceOnce(storeA, storeB, steerA, steerB, "read-" + round, true);
        // Fresh savers that never read: the barrier sits on the head read inside put.
        raceOnce(storeA, storeB, steerA, steerB, "fresh-" + round, false);
      }
    }
  }

  private static void raceOnce(
      StateStore storeA,
      StateStore storeB,
      Steered steerA,
      Steered steerB,
      String thread,
      boolean readFirst)
      throws Exception {
    RunnableConfig config = RunnableConfig.builder().threadId(thread).build();
    Checkpoint parent = checkpoint("parent");
    new HarborCheckpointSaver(storeA, "acme", Differential.SERIALIZER).put(config, parent);

    Steered a = readFirst ? steerA : new Steered("find", true);
    Steered b = readFirst ? steerB : new Steered("find", true);
    HarborCheckpointSaver saverA =
        new HarborCheckpointSaver(a.wrap(storeA), "acme", Differential.SERIALIZER);
    HarborCheckpointSaver saverB =
        new HarborCheckpointSaver(b.wrap(storeB), "acme", Differential.SERIALIZER);
    if (readFirst) {
      assertThat(saverA.get(config).orElseThrow().getId()).isEqualTo("parent");
      assertThat(saverB.get(config).orElseThrow().getId()).isEqualTo("parent");
    }
    CyclicBarrier barrier = new CyclicBarrier(2);
    a.arm(barrier);
    b.arm(barrier);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<Throwable>> outcomes = new ArrayList<>();
    try {
      for (HarborCheckpointSaver saver : List.of(saverA, saverB)) {
        String child = saver == saverA ? "child-A" : "child-B";
        outcomes.add(
            pool.submit(
                () -> {
                  try {
                    saver.put(config, checkpoint(child));
                    return null;
                  } catch (Throwable t) {
                    return t;
                  }
                }));
      }
      List<Throwable> failures = new ArrayList<>();
      int wins = 0;
      for (Future<Throwable> f : outcomes) {
        Throwable t = f.get(60, TimeUnit.SECONDS);
        if (t == null) {
          wins++;
        } else {
          failures.add(t);
        }
      }
      a.disarm();
      b.disarm();
      assertThat(wins).as("thread %s: winners", thread).isEqualTo(1);
      assertThat(failures)
          .singleElement()
          .isInstanceOf(ConditionFailedException.class)
          .satisfies(t -> assertThat(t.getMessage()).contains(thread).contains("does not fork"));

      HarborCheckpointSaver reader =
          new HarborCheckpointSaver(storeA, "acme", Differential.SERIALIZER);
      List<String> ids = reader.list(config).stream().map(Checkpoint::getId).toList();
      assertThat(ids).as("one child of the parent").hasSize(2).endsWith("parent");
      String winner = ids.get(0);
      HarborCheckpointSaver loser = winner.equals("child-A") ? saverB : saverA;

      // The loser's view stays stale until it reads: a blind retry is refused too.
      assertThatThrownBy(() -> loser.put(config, checkpoint("retry")))
          .isInstanceOf(ConditionFailedException.class);
      assertThat(reader.list(config)).hasSize(2);
      // After reading, it continues on top of the winner.
      assertThat(loser.get(config).orElseThrow().getId()).isEqualTo(winner);
      loser.put(config, checkpoint("after-read"));
      assertThat(reader.list(config).stream().map(Checkpoint::getId))
          .containsExactly("after-read", winner, "parent");
    } finally {
      a.disarm();
      b.disarm();
      pool.shutdownNow();
    }
  }

  @Test
  void releaseRacingAPut_returnsEveryCheckpointItDeletes() throws Exception {
    try (StateStore inner = StateStores.open("inmem:")) {
      RunnableConfig config = RunnableConfig.builder().threadId("t").build();
      Steered steer = new Steered("deleteIf");
      HarborCheckpointSaver releaser =
          new HarborCheckpointSaver(steer.wrap(inner), "acme", Differential.SERIALIZER);
      HarborCheckpointSaver writer =
          new HarborCheckpointSaver(inner, "acme", Differential.SERIALIZER);
      releaser.put(config, checkpoint("first"));
      assertThat(writer.get(config)).isPresent();
      CyclicBarrier barrier = new CyclicBarrier(2);
      steer.arm(barrier);
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try {
        // The release has read the thread and waits just before deleting its head.
        Future<BaseCheckpointSaver.Tag> release = pool.submit(() -> releaser.release(config));
        writer.put(config, checkpoint("second"));
        barrier.await(30, TimeUnit.SECONDS);
        assertThat(release.get(60, TimeUnit.SECONDS).checkpoints())
            .extracting(Checkpoint::getId)
            .as("the release saw the head move, read again, and returned what it deleted")
            .containsExactly("second", "first");
        assertThat(writer.list(config)).isEmpty();
        assertThat(inner.listKind(dev.harbor.state.ListScope.MAINTENANCE, "langgraph4j."))
            .isEmpty();
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static Checkpoint checkpoint(String id) {
    return Checkpoint.builder()
        .id(id)
        .nodeId("agent")
        .nextNodeId("tools")
        .state(Map.of("by", id))
        .build();
  }
}
