package dev.harbor.state.cli.bench;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Runs the workloads of a plan against a backend's store and baselines: each (workload, payload,
 * threads) is a warmup then a measured interval with that many threads calling as fast as they can
 * (closed loop), every call timed into a per-thread HdrHistogram, merged at the end of the run.
 *
 * <p>Workloads: {@code save} upserts a random slot of the slot space under a new event id; {@code
 * load} reads a random preloaded slot; {@code saveAll} upserts 100 consecutive slots from a random
 * start in one batch (counted as 100 records); {@code saveIf} races every thread on one hot slot,
 * each reading the slot's current event id and compare-and-swapping the next generation on it (ops
 * are successful swaps; lost races are the expected ConditionFailedException, anything else is an
 * error); {@code mixed} is an agent runtime's session (saveIf a lifecycle record on an absent slot,
 * three checkpoint saves, a load, a prefix list, then erasing the session; ops are sessions).
 */
final class Runner {

  /** Significant digits of the latency histograms: values within 0.1 %. */
  static final int DIGITS = 3;

  /** One timed call; returns the units it did (records, successful swaps, sessions). */
  @FunctionalInterface
  interface Op {
    long run(Worker w) throws Exception;
  }

  private final BenchBackend backend;
  private final BenchPlan plan;
  private final Map<String, String> env;
  private final Consumer<String> progress;
  private final String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong());
  private int runs;
  private int done;
  private int total;

  Runner(BenchBackend backend, BenchPlan plan, Map<String, String> env, Consumer<String> progress) {
    this.backend = backend;
    this.plan = plan;
    this.env = env;
    this.progress = progress;
  }

  /**
   * Runs the whole plan.
   *
   * @return one result per run, store first, then its baselines, in plan order
   */
  List<BenchResult> run() throws InterruptedException {
    List<BenchResult> results = new ArrayList<>();
    BenchTarget store = backend.storeTarget();
    BenchTarget sealed = backend.sealedTarget().orElse(null);
    BenchTarget baseline = plan.baselines() ? backend.baseline() : null;
    Optional<Pgbench> pgbench =
        baseline != null && plan.pgbench() ? backend.pgbench(baseline, env) : Optional.empty();
    int perPayload = 0;
    for (String w : plan.workloads()) {
      int targets = sealed != null ? 2 : 1;
      if (BenchPlan.WITH_BASELINE.contains(w)) {
        targets += (baseline != null ? 1 : 0) + (pgbench.isPresent() ? 1 : 0);
      }
      perPayload += targets * plan.threads().size();
    }
    total = perPayload * plan.payloads().size();
    for (int payloadSize : plan.payloads()) {
      byte[] payload = new byte[payloadSize];
      ThreadLocalRandom.current().nextBytes(payload);
      int space = plan.slotsFor(payloadSize);
      if (plan.workloads().contains("load")) {
        starting("preloading " + space + " slots of " + payloadSize + " B");
        store.preload(space, payload);
        if (sealed != null) {
          sealed.preload(space, payload);
        }
        if (baseline != null) {
          baseline.preload(space, payload); // for PostgreSQL this is pgbench's table too
        }
      }
      // Each target runs all its thread counts in a row: interleaving targets let one's idle
      // connections, heap and JIT state disturb the other's runs (seen as SQLite loads that
      // stopped scaling after a baseline run).
      for (String workload : plan.workloads()) {
        for (int threads : plan.threads()) {
          results.add(measure(store, workload, payloadSize, payload, space, threads));
        }
        if (sealed != null) {
          // Right after the store's runs, on the same data: the two side by side in one run.
          for (int threads : plan.threads()) {
            results.add(measure(sealed, workload, payloadSize, payload, space, threads));
          }
        }
        if (baseline != null && BenchPlan.WITH_BASELINE.contains(workload)) {
          for (int threads : plan.threads()) {
            results.add(measure(baseline, workload, payloadSize, payload, space, threads));
          }
        }
        if (pgbench.isPresent() && BenchPlan.WITH_BASELINE.contains(workload)) {
          for (int threads : plan.threads()) {
            results.add(pgbench(pgbench.get(), workload, payloadSize, payload, space, threads));
          }
        }
      }
    }
    return results;
  }

  private BenchResult measure(
      BenchTarget target, String workload, int payloadSize, byte[] payload, int space, int threads)
      throws InterruptedException {
    starting(workload + " " + payloadSize + " B, " + threads + " threads, " + target.name());
    Op op = op(target, workload, payload, space);
    Worker[] workers = new Worker[threads];
    Phase phase = new Phase();
    for (int i = 0; i < threads; i++) {
      workers[i] = new Worker(i, op, phase);
      workers[i].setDaemon(true);
      workers[i].setName("harbor-bench-" + i);
    }
    for (Worker w : workers) {
      w.start();
    }
    sleepNanos(plan.warmupNanos());
    phase.value = Phase.MEASURE;
    long[] groupsBefore = GroupSizes.snapshot();
    long start = System.nanoTime();
    sleepNanos(plan.measureNanos());
    phase.value = Phase.STOP;
    long elapsed = System.nanoTime() - start;
    GroupSizes groups = GroupSizes.between(groupsBefore, GroupSizes.snapshot());
    for (Worker w : workers) {
      w.join();
    }
    Histogram h = new Histogram(DIGITS);
    long units = 0;
    long errors = 0;
    long conflicts = 0;
    String firstError = "";
    for (Worker w : workers) {
      h.add(w.latency);
      units += w.units;
      errors += w.errors;
      conflicts += w.conflicts;
      if (firstError.isEmpty() && w.firstError != null) {
        firstError = w.firstError;
      }
    }
    BenchResult r =
        new BenchResult(
            backend.driver(),
            workload,
            payloadSize,
            threads,
            target.name(),
            units / (elapsed / 1e9),
            h.getValueAtPercentile(50),
            h.getValueAtPercentile(99),
            h.getValueAtPercentile(99.9),
            errors,
            conflicts,
            firstError,
            target.name().equals(BenchResult.STORE) ? groups.mean() : 0,
            target.name().equals(BenchResult.STORE) ? groups.p99() : 0);
    done++;
    return r;
  }

  private BenchResult pgbench(
      Pgbench pgbench, String workload, int payloadSize, byte[] payload, int space, int clients)
      throws InterruptedException {
    starting(workload + " " + payloadSize + " B, " + clients + " clients, pgbench");
    int seconds = (int) Math.max(1, Math.round(plan.measureNanos() / 1e9));
    double units = 0;
    String failure = "";
    try {
      double tps = pgbench.run(workload, clients, seconds, space, space, payload);
      units = "saveAll".equals(workload) ? tps * BenchPlan.BATCH : tps;
    } catch (IOException e) {
      failure = String.valueOf(e.getMessage());
    }
    // pgbench reports no percentiles here; a failed run is one error with pgbench's last words.
    BenchResult r =
        new BenchResult(
            backend.driver(),
            workload,
            payloadSize,
            clients,
            "pgbench",
            units,
            0,
            0,
            0,
            failure.isEmpty() ? 0 : 1,
            0,
            failure,
            0,
            0);
    done++;
    return r;
  }

  private Op op(BenchTarget target, String workload, byte[] payload, int space) {
    int run = ++runs;
    return switch (workload) {
      case "save" ->
          w -> {
            target.save(w.random.nextInt(space), EventId.newId().value(), payload);
            return 1;
          };
      case "load" ->
          w -> {
            int slot = w.random.nextInt(space);
            if (target.load(slot) != payload.length) {
              throw new IllegalStateException(
                  "slot " + slot + " does not hold the preloaded payload");
            }
            return 1;
          };
      case "saveAll" ->
          w -> {
            String[] ids = new String[BenchPlan.BATCH];
            for (int i = 0; i < ids.length; i++) {
              ids[i] = EventId.newId().value();
            }
            target.saveAll(w.random.nextInt(space - ids.length + 1), ids, payload);
            return ids.length;
          };
      case "saveIf" ->
          hotSlot(
              storeOf(target), new Quadruple("t1", "hot", "hot-" + nonce + "-" + run, ""), payload);
      case "mixed" -> session(storeOf(target), "mixed-" + nonce + "-" + run, payload);
      default -> throw new IllegalArgumentException("unknown workload " + workload);
    };
  }

  private static StateStore storeOf(BenchTarget target) {
    if (target instanceof StoreTarget s) {
      return s.store();
    }
    throw new IllegalArgumentException(
        "saveIf and mixed run on the store only, not on " + target.name());
  }

  /** Every thread compare-and-swaps the next generation of one slot onto the one it just read. */
  private static Op hotSlot(StateStore store, Quadruple slot, byte[] payload) {
    String kind = "session.lease";
    return w -> {
      Optional<StateRecord> current = store.find(slot, kind);
      SlotExpectation expect =
          current
              .map(r -> SlotExpectation.exact(slot, kind, r.id()))
              .orElseGet(() -> SlotExpectation.absent(slot, kind));
      try {
        store.saveIf(List.of(expect), StateRecord.of(EventId.newId(), slot, kind, payload));
        return 1;
      } catch (ConditionFailedException lost) {
        w.conflicts++;
        return 0;
      }
    };
  }

  /** One agent session, start to erasure: seven calls. */
  private static Op session(StateStore store, String prefix, byte[] payload) {
    AtomicLong sessions = new AtomicLong();
    return w -> {
      Identity id = new Identity("t1", "u" + w.index, prefix + "-" + sessions.incrementAndGet());
      Quadruple scope = id.sessionScoped();
      Quadruple run = id.run("r1");
      store.saveIf(
          List.of(SlotExpectation.absent(scope, "session.lifecycle")),
          StateRecord.of(EventId.newId(), scope, "session.lifecycle", payload));
      for (int i = 0; i < 3; i++) {
        store.save(StateRecord.of(EventId.newId(), run, "task.checkpoint", payload));
      }
      store.load(run, "task.checkpoint");
      if (store.listKindForIdentity(run, "task.").size() != 1) {
        throw new IllegalStateException(
            "listKindForIdentity of " + run + " did not find its checkpoint");
      }
      int erased = store.deleteScope(id);
      if (erased != 2) {
        throw new IllegalStateException(
            "deleteScope of " + id + " erased " + erased + " records, not 2");
      }
      return 1;
    };
  }

  /** Tells the progress listener what runs next: {@code [run/total] what}. */
  private void starting(String what) {
    progress.accept("[" + (done + 1) + "/" + total + "] " + what);
  }

  private static void sleepNanos(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, left / 1_000_000), 0);
    }
  }

  /** Warmup, measure, stop: written by the runner, read by the workers. */
  static final class Phase {
    static final int WARMUP = 0;
    static final int MEASURE = 1;
    static final int STOP = 2;
    volatile int value = WARMUP;
  }

  /** One closed-loop caller with its own histogram and counters. */
  static final class Worker extends Thread {
    final int index;
    private final Op op;
    private final Phase phase;
    final Histogram latency = new Histogram(DIGITS);
    final SplittableRandom random = new SplittableRandom(ThreadLocalRandom.current().nextLong());
    long units;
    long errors;
    long conflicts;
    @Nullable String firstError;

    Worker(int index, Op op, Phase phase) {
      this.index = index;
      this.op = op;
      this.phase = phase;
    }

    @Override
    public void run() {
      int at;
      while ((at = phase.value) != Phase.STOP) {
        long start = System.nanoTime();
        long done;
        long conflictsBefore = conflicts;
        try {
          done = op.run(this);
        } catch (Exception e) {
          errors++;
          if (firstError == null) {
            firstError = e.getClass().getSimpleName() + ": " + e.getMessage();
          }
          continue;
        }
        long end = System.nanoTime();
        if (at == Phase.MEASURE && phase.value == Phase.MEASURE) {
          latency.recordValue(end - start);
          units += done;
        } else {
          conflicts = conflictsBefore; // only measured lost races count, like measured swaps
        }
      }
    }
  }
}
