package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two store instances, and two processes, on one file behave as one store. */
class MultiInstanceTest {

  private static final Quadruple Q = ChildProcess.FENCED;

  private final Path dir = TestFiles.newDirectory("harbor-sqlite-multi");
  private final Path file = dir.resolve("state.db");

  @AfterEach
  void cleanUp() {
    TestFiles.deleteRecursively(dir);
  }

  private static StateRecord rec(String id) {
    return StateRecord.of(EventId.of(id), Q, "k", id.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void saveIf_from128ThreadsSplitOverTwoInstances_hasExactlyOneWinner() throws Exception {
    try (StateStore a = TestFiles.open(file);
        StateStore b = TestFiles.open(file)) {
      for (int round = 0; round < 3; round++) {
        String generation = "gen-" + round;
        a.save(rec(generation));
        ExecutorService pool = Executors.newFixedThreadPool(128);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Throwable>> results = new ArrayList<>();
        for (int i = 0; i < 128; i++) {
          StateStore store = i % 2 == 0 ? a : b;
          String id = "r" + round + "-" + i;
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    try {
                      store.saveIf(
                          List.of(SlotExpectation.exact(Q, "k", EventId.of(generation))), rec(id));
                      return null;
                    } catch (Throwable t) {
                      return t;
                    }
                  }));
        }
        start.countDown();
        int wins = 0;
        List<Throwable> failures = new ArrayList<>();
        for (Future<Throwable> f : results) {
          Throwable t = f.get(120, TimeUnit.SECONDS);
          if (t == null) {
            wins++;
          } else {
            failures.add(t);
          }
        }
        pool.shutdown();
        assertThat(wins).as("round %d winners", round).isEqualTo(1);
        assertThat(failures)
            .hasSize(127)
            .allSatisfy(
                t -> assertThat(t).isInstanceOf(dev.harbor.state.ConditionFailedException.class));
        assertThat(a.load(Q, "k")).isEqualTo(b.load(Q, "k"));
      }
    }
  }

  @Test
  void absentExpectations_raceFreeAcrossInstances() throws Exception {
    try (StateStore a = TestFiles.open(file);
        StateStore b = TestFiles.open(file)) {
      ExecutorService pool = Executors.newFixedThreadPool(32);
      AtomicInteger wins = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        StateStore store = i % 2 == 0 ? a : b;
        String id = "abs-" + i;
        fs.add(
            pool.submit(
                () -> {
                  try {
                    store.saveIf(List.of(SlotExpectation.absent(Q, "k")), rec(id));
                    wins.incrementAndGet();
                  } catch (dev.harbor.state.ConditionFailedException e) {
                    failed.incrementAndGet();
                  }
                }));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(wins).hasValue(1);
      assertThat(failed).hasValue(31);
    }
  }

  @Test
  void sameEventIdDifferentContentAcrossInstances_exactlyOneContentIsStored() throws Exception {
    try (StateStore a = TestFiles.open(file);
        StateStore b = TestFiles.open(file)) {
      ExecutorService pool = Executors.newFixedThreadPool(16);
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger conflicts = new AtomicInteger();
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        StateStore store = i % 2 == 0 ? a : b;
        byte[] content = ("content-" + i).getBytes(StandardCharsets.UTF_8);
        fs.add(
            pool.submit(
                () -> {
                  try {
                    store.save(StateRecord.of(EventId.of("same"), Q, "k", content));
                    ok.incrementAndGet();
                  } catch (IdempotencyConflictException e) {
                    conflicts.incrementAndGet();
                  }
                }));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(ok).hasValue(1);
      assertThat(conflicts).hasValue(15);
    }
  }

  @Test
  void fenceOnOneInstance_holdsBackSaveIfOnTheOther_longerThanAnyBusyRetry() throws Exception {
    try (StateStore a = TestFiles.open(file);
        StateStore b = TestFiles.open(file, "operationTimeout", "20s")) {
      a.save(rec("gen0"));
      CountDownLatch inFence = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> fence =
          CompletableFuture.runAsync(
              () ->
                  a.fenceIf(
                      SlotExpectation.exact(Q, "k", EventId.of("gen0")),
                      () -> {
                        inFence.countDown();
                        SqliteStoreTestBase.await(release);
                      }));
      try {
        assertThat(inFence.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> saveIf =
            CompletableFuture.runAsync(
                () ->
                    b.saveIf(
                        List.of(SlotExpectation.exact(Q, "k", EventId.of("gen0"))), rec("gen1")));
        // Well past SQLite's longest busy-handler sleep (100 ms): the other instance keeps waiting,
        // it does not fail.
        Thread.sleep(1500);
        assertThat(saveIf).isNotDone();
        // Reads of the other instance are not held back by the fence.
        assertThat(b.load(Q, "k").id().value()).isEqualTo("gen0");
        assertThat(b.listKind(ListScope.MAINTENANCE, "k")).hasSize(1);
        release.countDown();
        fence.get(10, TimeUnit.SECONDS);
        saveIf.get(10, TimeUnit.SECONDS);
      } finally {
        release.countDown();
      }
      assertThat(a.load(Q, "k").id().value()).isEqualTo("gen1");
    }
  }

  // ---- two processes ----

  @Test
  void fenceInAnotherProcess_holdsBackSaveIfHere() throws Exception {
    File stderr = dir.resolve("fence.err").toFile();
    try (StateStore store = TestFiles.open(file)) {
      store.save(rec("gen0"));
      Process child = ChildProcess.start(stderr, "fence", file.toString(), "gen0");
      try {
        InputStream out = child.getInputStream();
        assertThat(ChildProcess.readLine(out))
            .as("child stderr: %s", read(stderr))
            .isEqualTo("FENCED");
        CompletableFuture<Void> saveIf =
            CompletableFuture.runAsync(
                () ->
                    store.saveIf(
                        List.of(SlotExpectation.exact(Q, "k", EventId.of("gen0"))), rec("gen1")));
        Thread.sleep(500);
        assertThat(saveIf).isNotDone();
        ChildProcess.send(child, "RELEASE");
        assertThat(ChildProcess.readLine(out)).isEqualTo("RELEASED");
        saveIf.get(20, TimeUnit.SECONDS);
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("child stderr: %s", read(stderr)).isZero();
      } finally {
        child.destroyForcibly();
      }
      assertThat(store.load(Q, "k").id().value()).isEqualTo("gen1");
    }
  }

  @Test
  void saveIf_from128ThreadsSplitOverTwoProcesses_hasExactlyOneWinner() throws Exception {
    File stderr = dir.resolve("saveif.err").toFile();
    try (StateStore store = TestFiles.open(file)) {
      store.save(rec("gen0"));
      Process child = ChildProcess.start(stderr, "saveIf", file.toString(), "gen0", "64");
      try {
        InputStream out = child.getInputStream();
        assertThat(ChildProcess.readLine(out))
            .as("child stderr: %s", read(stderr))
            .isEqualTo("READY");
        ChildProcess.send(child, "GO");
        ChildProcess.Outcomes here =
            ChildProcess.raceSaveIf(store, EventId.of("gen0"), 64, "parent-");
        String[] result = ChildProcess.readLine(out).split(" ");
        List<String> childErrors = new ArrayList<>();
        for (int i = 0; i < Integer.parseInt(result[3]); i++) {
          childErrors.add(ChildProcess.readLine(out));
        }
        assertThat(here.others).isEmpty();
        assertThat(childErrors).isEmpty();
        assertThat(here.wins + Integer.parseInt(result[1])).isEqualTo(1);
        assertThat(here.conditionFailed + Integer.parseInt(result[2])).isEqualTo(127);
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
      } finally {
        child.destroyForcibly();
      }
    }
  }

  static String read(File f) {
    try {
      return f.exists() ? Files.readString(f.toPath()) : "";
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
