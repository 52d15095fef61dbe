package dev.harbor.state.bench;

import dev.harbor.state.EventId;
import dev.harbor.state.cli.bench.BenchBackend;
import dev.harbor.state.cli.bench.BenchPlan;
import dev.harbor.state.cli.bench.BenchTarget;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * save, load and saveAll on every driver and on its bare baseline ({@code target=baseline}: a
 * ConcurrentHashMap, a sqlite-jdbc loop with the store's pragmas, a JDBC loop on a pool of the
 * store's size), the same targets {@code harbor-state bench} drives. Throughput in operations per
 * second (saveAll: records per second). Each trial works in scratch locations of its own (a fresh
 * schema or directory) that its teardown removes. Run with {@code -t 1,4,16} (or {@code
 * PerformanceSuite}) for the thread counts of the targets.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 2, time = 3)
public class StoreBenchmarks {

  /** The driver. */
  @Param({"inmem", "sqlite", "postgres"})
  public String driver;

  /** {@code store}: through the StateStore API; {@code baseline}: the bare backend. */
  @Param({"store", "baseline"})
  public String target;

  /** Payload bytes. */
  @Param({"32"})
  public int payload;

  /** Slots that writes spread over and loads read. */
  @Param({"100000"})
  public int slots;

  private BenchBackend backend;
  private BenchTarget bench;
  private byte[] bytes;
  private int space;

  /**
   * Opens the backend and the target; preloads the slots for the load benchmark.
   *
   * @param params which benchmark this trial runs
   */
  @Setup(Level.Trial)
  public void open(BenchmarkParams params) {
    backend = BenchBackend.open(BenchLocations.of(driver));
    bench = "store".equals(target) ? backend.storeTarget() : backend.baseline();
    bytes = new byte[payload];
    ThreadLocalRandom.current().nextBytes(bytes);
    space = BenchPlan.slotSpace(slots, payload);
    if (params.getBenchmark().endsWith(".load")) {
      bench.preload(space, bytes);
    }
  }

  /** Closes everything and removes the trial's schema or files. */
  @TearDown(Level.Trial)
  public void close() {
    backend.close();
  }

  /** One upsert of a random slot under a new event id. */
  @Benchmark
  public void save() {
    bench.save(ThreadLocalRandom.current().nextInt(space), EventId.newId().value(), bytes);
  }

  /**
   * One read of a random preloaded slot.
   *
   * @return the payload's length, consumed by JMH
   */
  @Benchmark
  public int load() {
    return bench.load(ThreadLocalRandom.current().nextInt(space));
  }

  /** One atomic batch of 100 consecutive slots; scored per record. */
  @Benchmark
  @OperationsPerInvocation(BenchPlan.BATCH)
  public void saveAll() {
    String[] ids = new String[BenchPlan.BATCH];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = EventId.newId().value();
    }
    bench.saveAll(ThreadLocalRandom.current().nextInt(space - ids.length + 1), ids, bytes);
  }
}
