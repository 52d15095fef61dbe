package dev.harbor.state.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import dev.harbor.state.testing.TestPostgres;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL under faults: backends terminated under load, a server restart under load, and calls
 * blocked past {@code operationTimeout}. Every call either succeeds or throws a transient {@link
 * StorageException}; afterwards every acknowledged write is present with its bytes, a retry of
 * every call that threw converges, and the same store works without reopening.
 */
class PostgresFaultsTest {

  private static final int THREADS = 8;
  private static final Duration FAULT_WINDOW =
      Duration.ofSeconds(Long.getLong("harbor.reliability.faultSeconds", 6));

  /** A call that threw during the faults, kept to be retried once they stop. */
  private record Failed(StateRecord write, SlotExpectation expectation) {}

  /** What the writers saw: acknowledged writes and calls that threw. */
  private record Outcomes(List<StateRecord> acknowledged, List<Failed> failed) {}

  @Test
  void terminatingTheStoresBackendsUnderLoad_losesNoAcknowledgedWrite() throws Exception {
    String app = "harbor-faults-" + Long.toHexString(System.nanoTime());
    AtomicInteger terminated = new AtomicInteger();
    runUnderFault(
        Map.of("applicationName", app, "maxPoolSize", "8"),
        stop -> {
          try (Connection c = TestPostgres.connect();
              PreparedStatement kill =
                  c.prepareStatement(
                      "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                          + " FROM pg_stat_activity WHERE application_name = ?")) {
            kill.setString(1, app);
            while (!stop.get()) {
              try (ResultSet rs = kill.executeQuery()) {
                rs.next();
                terminated.addAndGet(rs.getInt(1));
              }
              sleep(150);
            }
          }
        });
    assertThat(terminated.get()).as("backends terminated during the run").isPositive();
  }

  @Test
  void restartingTheServerUnderLoad_losesNoAcknowledgedWrite() throws Exception {
    File clusters = new File("/etc/postgresql");
    String[] versions = clusters.list();
    if (!TestPostgres.url().contains("127.0.0.1") && !TestPostgres.url().contains("localhost")
        || versions == null
        || versions.length == 0) {
      fail(
          "restarting the server needs the test database to be a local cluster (pg_ctlcluster); "
              + TestPostgres.ENV
              + " points elsewhere");
    }
    runUnderFault(
        Map.of("connectTimeout", "2s", "operationTimeout", "5s"),
        stop -> {
          sleep(1500);
          try {
            restartLocalServer();
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          TestPostgres.ensureReachable();
        });
  }

  @Test
  void aCallBlockedByALockPastOperationTimeout_failsTransientlyWithinTheBound_andChangesNothing()
      throws Exception {
    try (Drivers.Scratch underTest = Drivers.postgres(Map.of("operationTimeout", "500ms"));
        StateStore store = underTest.open(Clock.systemUTC());
        StateStore otherInstance = StateStores.open(underTest.location())) {
      Quadruple q = new Quadruple("t", "u", "s", "");
      StateRecord first = StateRecord.of(EventId.newId(), q, "k", new byte[] {1});
      store.save(first);

      // A table lock held by another session blocks every statement on the table.
      try (Connection c = TestPostgres.connect()) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.execute(
              "LOCK TABLE "
                  + underTest.schema()
                  + ".harbor_state_records IN ACCESS EXCLUSIVE MODE");
        }
        StateRecord blocked = StateRecord.of(EventId.newId(), q, "k2", new byte[] {2});
        assertTransientWithinBound(() -> store.save(blocked));
        c.rollback();
      }
      assertThat(store.find(q, "k2")).as("the timed-out save changed nothing").isEmpty();

      // A fence held through another store instance blocks a conditional write on the same slot.
      CountDownLatch fenced = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try {
        Future<?> fence =
            pool.submit(
                () ->
                    otherInstance.fenceIf(
                        SlotExpectation.exact(q, "k", first.id()),
                        () -> {
                          fenced.countDown();
                          await(release);
                        }));
        assertThat(fenced.await(30, TimeUnit.SECONDS)).isTrue();
        StateRecord next = StateRecord.of(EventId.newId(), q, "k", new byte[] {3});
        assertTransientWithinBound(
            () -> store.saveIf(List.of(SlotExpectation.exact(q, "k", first.id())), next));
        release.countDown();
        fence.get(30, TimeUnit.SECONDS);
      } finally {
        release.countDown();
        pool.shutdownNow();
      }
      assertThat(store.load(q, "k").id())
          .as("the timed-out saveIf changed nothing")
          .isEqualTo(first.id());
    }
  }

  /**
   * The call fails with a transient StorageException well within operationTimeout (500 ms) plus
   * slack.
   */
  private static void assertTransientWithinBound(ThrowingCallable call) {
    long started = System.nanoTime();
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isTrue());
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  // ---- the shared load-under-fault harness ----

  private interface Fault {
    void run(AtomicBoolean stop) throws Exception;
  }

  private void runUnderFault(Map<String, String> options, Fault fault) throws Exception {
    try (StoreUnderTest underTest = Drivers.postgres(options);
        StateStore store = underTest.open(Clock.systemUTC())) {
      AtomicBoolean stop = new AtomicBoolean();
      ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
      List<Future<Outcomes>> writers = new ArrayList<>();
      try {
        for (int t = 0; t < THREADS; t++) {
          int thread = t;
          writers.add(pool.submit(() -> write(store, thread, stop, unexpected)));
        }
        Future<?> faults =
            pool.submit(
                () -> {
                  fault.run(stop);
                  return null;
                });
        Thread.sleep(FAULT_WINDOW.toMillis());
        stop.set(true);
        faults.get(2, TimeUnit.MINUTES);
        List<Outcomes> outcomes = new ArrayList<>();
        for (Future<Outcomes> w : writers) {
          outcomes.add(w.get(2, TimeUnit.MINUTES));
        }
        assertThat(unexpected)
            .as("calls failed with something other than a transient StorageException")
            .isEmpty();
        verify(store, outcomes);
      } finally {
        stop.set(true);
        pool.shutdownNow();
      }
    }
  }

  /**
   * Saves fresh records to fresh slots and chains saveIf on one slot per thread, until told to
   * stop.
   */
  private static Outcomes write(
      StateStore store, int thread, AtomicBoolean stop, ConcurrentLinkedQueue<Throwable> bad) {
    List<StateRecord> acknowledged = new ArrayList<>();
    List<Failed> failed = new ArrayList<>();
    Quadruple q = new Quadruple("faults", "u" + thread, "s", "");
    Optional<EventId> chainHead = Optional.empty();
    for (int i = 0; !stop.get(); i++) {
      StateRecord write =
          StateRecord.of(
              EventId.newId(),
              q,
              "save." + i,
              ("w" + thread + "." + i).getBytes(StandardCharsets.UTF_8));
      SlotExpectation expectation = null;
      try {
        if (i % 2 == 0) {
          store.save(write);
        } else {
          expectation =
              chainHead
                  .map(id -> SlotExpectation.exact(q, "chain", id))
                  .orElse(SlotExpectation.absent(q, "chain"));
          write = write.withSlot(q, "chain");
          store.saveIf(List.of(expectation), write);
          chainHead = Optional.of(write.id());
        }
        acknowledged.add(write);
      } catch (StorageException e) {
        if (!e.isTransient()) {
          bad.add(e);
        }
        failed.add(new Failed(write, expectation));
        if (expectation != null) {
          // The outcome may be unknown: learn the chain's head again before going on.
          chainHead = readHead(store, q, stop);
        }
      } catch (ConditionFailedException e) {
        chainHead = readHead(store, q, stop);
      } catch (RuntimeException | Error e) {
        bad.add(e);
      }
    }
    return new Outcomes(acknowledged, failed);
  }

  private static Optional<EventId> readHead(StateStore store, Quadruple q, AtomicBoolean stop) {
    while (true) {
      try {
        return store.find(q, "chain").map(StateRecord::id);
      } catch (StorageException e) {
        if (stop.get() && !e.isTransient()) {
          throw e;
        }
        sleep(50);
      }
    }
  }

  private static void verify(StateStore store, List<Outcomes> outcomes) {
    for (Outcomes o : outcomes) {
      // Retrying each failed call converges: a save applies or is a no-op; a saveIf applies, or
      // already applied.
      for (Failed f : o.failed()) {
        if (f.expectation() == null) {
          store.save(f.write());
          assertThat(store.loadByEventId(f.write().id()).sameContent(f.write())).isTrue();
        } else {
          try {
            store.saveIf(List.of(f.expectation()), f.write());
          } catch (ConditionFailedException e) {
            // Either the first attempt applied (and a later link moved on) or a later link replaced
            // the slot.
          }
        }
      }
      for (StateRecord w : o.acknowledged()) {
        if (w.kind().startsWith("save.")) {
          assertThat(store.load(w.identity(), w.kind()).sameContent(w))
              .as("acknowledged write %s is present with its bytes", w.id())
              .isTrue();
        }
      }
      List<StateRecord> chainLinks =
          o.acknowledged().stream().filter(w -> w.kind().equals("chain")).toList();
      if (!chainLinks.isEmpty()) {
        StateRecord head = store.load(chainLinks.get(0).identity(), "chain");
        assertThat(head.id())
            .as("the chain's head is no older than its last acknowledged link")
            .isGreaterThanOrEqualTo(chainLinks.get(chainLinks.size() - 1).id());
      }
    }
    // The store works again without reopening.
    StateRecord after =
        StateRecord.of(EventId.newId(), new Quadruple("faults", "after", "s", ""), "k", null);
    store.save(after);
    assertThat(store.load(after.identity(), "k").id()).isEqualTo(after.id());
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Restarts the local test cluster ({@code pg_ctlcluster … restart -m fast}) and waits until it
   * answers again.
   */
  static void restartLocalServer() throws Exception {
    String[] versions = new File("/etc/postgresql").list();
    Process p =
        new ProcessBuilder(
                "pg_ctlcluster",
                "--skip-systemctl-redirect",
                versions[0],
                "main",
                "restart",
                "-m",
                "fast")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("pg_ctlcluster restart: %s", out).isZero();
    TestPostgres.ensureReachable();
  }
}
