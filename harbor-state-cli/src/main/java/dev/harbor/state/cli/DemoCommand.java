package dev.harbor.state.cli;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.ListScope;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.Locations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;

/** {@code demo}: a short walk through the contract on a real store. */
@Command(
    name = "demo",
    description =
        "A short, readable tour of the contract on the store in effect (default "
            + HarborStateCli.DEFAULT_LOCATION
            + "): two tenants, a retried write that stays a no-op, a conditional-update race with one winner, a "
            + "fenced action, a session erasure and a maintenance scan. It only touches the tenants demo-acme and "
            + "demo-globex, which it clears first, so it can be run any number of times.",
    footer = {"", "Examples:", "  harbor-state demo", "  harbor-state --store inmem: demo"})
final class DemoCommand extends StoreCommand {

  static final String ACME = "demo-acme";
  static final String GLOBEX = "demo-globex";
  private static final int RACERS = 8;

  private static final Identity ALICE = new Identity(ACME, "alice", "chat-1");
  private static final Identity BOB = new Identity(GLOBEX, "bob", "chat-1");
  private static final Identity CAROL = new Identity(GLOBEX, "carol", "chat-7");
  private static final Identity DAVE = new Identity(GLOBEX, "dave", "chat-3");

  /** Every identity the demo writes to: what it clears first. */
  private static final List<Identity> ALL = List.of(ALICE, BOB, CAROL, DAVE);

  private int step;

  @Override
  int run() throws Exception {
    try (StateStore store = open()) {
      int cleared = 0;
      for (Identity identity : ALL) {
        cleared += store.deleteScope(identity);
      }
      io().out()
          .println(
              "harbor-state demo on "
                  + Locations.redact(location())
                  + " (driver "
                  + store.driverName()
                  + ")"
                  + (cleared > 0 ? "; cleared " + cleared + " records of an earlier run" : ""));
      twoTenants(store);
      retriedWrite(store);
      race(store);
      fence(store);
      erase(store);
      scan(store);
      io().out().println(whereTheDataLives());
    }
    return ExitCodes.OK;
  }

  private void say(String line) {
    io().out().println(" " + ++step + ". " + line);
    io().out().flush();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void twoTenants(StateStore store) {
    store.save(
        StateRecord.of(
            EventId.newId(),
            ALICE.sessionScoped(),
            "session.state",
            utf8("{\"topic\":\"invoices\"}")));
    store.save(
        StateRecord.of(
            EventId.newId(),
            BOB.sessionScoped(),
            "session.state",
            utf8("{\"topic\":\"rockets\"}")));
    boolean leaks =
        store.find(new Quadruple(GLOBEX, "alice", "chat-1", ""), "session.state").isPresent();
    say(
        "two tenants: saved session.state for "
            + ACME
            + "/alice/chat-1 and "
            + GLOBEX
            + "/bob/chat-1; the same "
            + "user and session under "
            + GLOBEX
            + " finds "
            + (leaks ? "SOMETHING (isolation broken!)" : "nothing"));
  }

  private void retriedWrite(StateStore store) throws InterruptedException {
    Quadruple q = ALICE.run("run-1");
    StateRecord write =
        new StateRecord(EventId.newId(), q, "task.checkpoint", 1, utf8("step 1 done"), null);
    store.save(write);
    StateRecord first = store.load(q, "task.checkpoint");
    Thread.sleep(2); // let the clock move, so an accidental rewrite would show in updatedAt
    store.save(write); // the retry, e.g. after a timeout whose outcome was unknown
    StateRecord second = store.load(q, "task.checkpoint");
    String conflict =
        refusal(
            () -> store.save(write.withBytes(utf8("something else"))),
            IdempotencyConflictException.class,
            "ACCEPTED (unexpected)",
            "refused with IdempotencyConflictException");
    say(
        "retried write: event "
            + write.id()
            + " saved twice; the retry was a no-op (updatedAt still "
            + RecordJson.UPDATED_AT.format(first.updatedAt())
            + (first.equals(second) ? "" : ", CHANGED")
            + "); reusing it with other bytes was "
            + conflict);
  }

  private void race(StateStore store) throws Exception {
    Quadruple q = ALICE.run("run-1");
    StateRecord gen1 = StateRecord.of(EventId.newId(), q, "plan.state", utf8("plan v1"));
    store.saveIf(List.of(SlotExpectation.absent(q, "plan.state")), gen1);
    AtomicInteger winners = new AtomicInteger();
    AtomicInteger losers = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(RACERS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < RACERS; i++) {
        int n = i;
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  try {
                    store.saveIf(
                        List.of(SlotExpectation.exact(q, "plan.state", gen1.id())),
                        StateRecord.of(
                            EventId.newId(), q, "plan.state", utf8("plan v2 by writer " + n)));
                    winners.incrementAndGet();
                  } catch (ConditionFailedException e) {
                    losers.incrementAndGet();
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
    String winner = new String(store.load(q, "plan.state").bytes(), StandardCharsets.UTF_8);
    say(
        "conditional-update race: "
            + RACERS
            + " writers called saveIf expecting generation "
            + gen1.id()
            + "; "
            + winners.get()
            + " won (\""
            + winner
            + "\"), "
            + losers.get()
            + " got ConditionFailedException");
  }

  private void fence(StateStore store) {
    Quadruple q = ALICE.run("run-1");
    StateRecord current = store.load(q, "plan.state");
    AtomicInteger sent = new AtomicInteger();
    store.fenceIf(SlotExpectation.exact(q, "plan.state", current.id()), sent::incrementAndGet);
    String stale =
        refusal(
            () ->
                store.fenceIf(
                    SlotExpectation.exact(q, "plan.state", EventId.of("an-older-generation")),
                    sent::incrementAndGet),
            ConditionFailedException.class,
            "ran (unexpected)",
            "was refused and did not run");
    say(
        "fenced action: an action fenced on the current plan generation ran "
            + sent.get()
            + " time(s), holding "
            + "off every conditional write to the slot meanwhile; the same action on a stale generation "
            + stale);
  }

  private void erase(StateStore store) {
    store.save(
        StateRecord.of(
            EventId.newId(), ALICE.run("run-2"), "task.checkpoint", utf8("step 7 done")));
    store.save(
        StateRecord.of(
            EventId.newId(), ALICE.sessionScoped(), "memory.snapshot", utf8("remember: invoices")));
    int removed = store.deleteScope(ALICE);
    boolean bobKept = store.find(BOB.sessionScoped(), "session.state").isPresent();
    say(
        "session erasure: erase-session "
            + ACME
            + "/alice/chat-1 removed "
            + removed
            + " records of every run and "
            + "kind in one step; "
            + GLOBEX
            + "/bob/chat-1 "
            + (bobKept ? "is untouched" : "WAS TOUCHED"));
  }

  private void scan(StateStore store) {
    for (Identity who : List.of(BOB, CAROL, DAVE)) {
      store.save(
          StateRecord.of(
              EventId.newId(), who.sessionScoped(), "task.report", utf8("weekly report")));
      store.save(
          StateRecord.of(EventId.newId(), who.run("run-1"), "task.checkpoint", utf8("halfway")));
    }
    String refused =
        refusal(
            () -> store.scanKindForTenant(ListScope.NONE, GLOBEX, "task.", 2, ""),
            MaintenanceScopeRequiredException.class,
            "was allowed (unexpected)",
            "is refused");
    int pages = 0;
    int rows = 0;
    String continuation = "";
    do {
      ScanPage page =
          store.scanKindForTenant(ListScope.MAINTENANCE, GLOBEX, "task.", 4, continuation);
      pages++;
      rows += page.records().size();
      continuation = page.continuation();
    } while (!continuation.isEmpty());
    say(
        "maintenance scan: a tenant-wide scan without the maintenance claim "
            + refused
            + "; with it, "
            + GLOBEX
            + "'s "
            + rows
            + " task.* records came back in "
            + pages
            + " keyset pages of at most 4, across 3 users");
  }

  /**
   * What became of an attempt the store should refuse: {@code ifRefused} if it threw {@code
   * refusal}, else {@code ifRan}. The demo reports a store that wrongly accepts instead of failing.
   */
  private static String refusal(
      Runnable attempt, Class<? extends RuntimeException> refusal, String ifRan, String ifRefused) {
    try {
      attempt.run();
      return ifRan;
    } catch (RuntimeException e) {
      if (refusal.isInstance(e)) {
        return ifRefused;
      }
      throw e;
    }
  }

  private String whereTheDataLives() {
    StateConfig config = StateConfig.parse(location());
    boolean gone =
        config.driver().equals("inmem")
            || (config.driver().equals("sqlite") && ":memory:".equals(config.location()));
    if (gone) {
      return "The data lived in this process's memory and is gone now ("
          + Locations.redact(location())
          + ").";
    }
    String where =
        config.driver().equals("sqlite")
            ? Paths.get(config.location()).toAbsolutePath().normalize() + " (SQLite)"
            : Locations.redact(location());
    String store =
        location().equals(HarborStateCli.DEFAULT_LOCATION)
            ? ""
            : " --store '" + Locations.redact(location()) + "'";
    return "The data lives in "
        + where
        + ". Look around:\n"
        + "  harbor-state"
        + store
        + " ls --tenant "
        + GLOBEX
        + " --user bob --session chat-1 --prefix task.\n"
        + "  harbor-state"
        + store
        + " scan --maintenance --tenant "
        + GLOBEX
        + " --prefix task.\n"
        + "  harbor-state"
        + store
        + " export --tenant "
        + GLOBEX;
  }
}
