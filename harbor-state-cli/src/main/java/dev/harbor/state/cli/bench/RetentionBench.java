package dev.harbor.state.cli.bench;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * The retention measurement: how fast {@code purge} deletes old records, and what it costs the
 * saves running beside it. For each step size: preload {@code records} old records into a tenant of
 * their own, start concurrent savers (of other records, in another tenant), then purge the old
 * records step by step until 0 in windows of half a second that alternate with idle windows of the
 * same length, and compare the savers' p99 in the purge windows with their p99 in the idle ones.
 * The two sides interleave, so a shared machine's drifting load hits both alike. The purge rate is
 * over the purge windows only.
 *
 * <p>Public only so that {@code harbor-state bench --purge} and the benchmarks module share it; not
 * a supported API.
 */
public final class RetentionBench {

  /** Old records are stamped from here on, one microsecond apart, so the purge order is known. */
  private static final Instant OLD = Instant.parse("2000-01-01T00:00:00Z");

  /** The purge's cutoff: after every old record. */
  private static final Instant CUTOFF = Instant.parse("2001-01-01T00:00:00Z");

  /** Records of one preload batch: one session's checkpoints. */
  private static final int BATCH = 1000;

  /** How long each purge window and each idle window lasts. */
  private static final long WINDOW_NANOS = 500_000_000L;

  /** Slots the savers spread over. */
  private static final int SAVE_SLOTS = 10_000;

  private static final byte[] PAYLOAD = new byte[64];

  /**
   * One step size's figures.
   *
   * @param driver the driver
   * @param step records per purge call
   * @param records old records purged
   * @param purgeSeconds how long purging them took
   * @param saveP99Alone the savers' p99 without the purge, nanoseconds
   * @param saveP99During the savers' p99 while the purge ran, nanoseconds
   * @param savesPerSecondAlone the savers' throughput without the purge
   * @param savesPerSecondDuring the savers' throughput while the purge ran
   * @param errors failed saves (any is a defect)
   */
  public record Result(
      String driver,
      int step,
      long records,
      double purgeSeconds,
      long saveP99Alone,
      long saveP99During,
      double savesPerSecondAlone,
      double savesPerSecondDuring,
      long errors) {

    /**
     * Records purged per second.
     *
     * @return the rate
     */
    public double recordsPerSecond() {
      return records / purgeSeconds;
    }

    /**
     * The savers' p99 with the purge over their p99 without it.
     *
     * @return the ratio
     */
    public double p99Ratio() {
      return (double) saveP99During / Math.max(1, saveP99Alone);
    }
  }

  private final StateStore store;
  private final String driver;
  private final int threads;
  private final long aloneNanos;
  private final Consumer<String> progress;
  private final String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong());

  /**
   * A measurement on a store.
   *
   * @param store the store (a bench scratch store: it is filled and purged)
   * @param driver the driver's name, for the report
   * @param threads concurrent savers
   * @param aloneSeconds how long the savers are measured without the purge
   * @param progress told what runs next
   */
  public RetentionBench(
      StateStore store,
      String driver,
      int threads,
      double aloneSeconds,
      Consumer<String> progress) {
    this.store = store;
    this.driver = driver;
    this.threads = threads;
    this.aloneNanos = (long) (aloneSeconds * 1e9);
    this.progress = progress;
  }

  /**
   * Measures each step size in turn.
   *
   * @param records old records to purge per step size
   * @param steps step sizes, each 1..10,000
   * @return one result per step size
   * @throws InterruptedException if interrupted
   */
  public List<Result> run(long records, List<Integer> steps) throws InterruptedException {
    List<Result> out = new ArrayList<>();
    for (int step : steps) {
      out.add(measure(records, step));
    }
    return out;
  }

  private Result measure(long records, int step) throws InterruptedException {
    String tenant = "retention-" + nonce + "-" + step;
    progress.accept("step " + step + ": preloading " + records + " old records");
    preload(tenant, records);
    progress.accept("step " + step + ": purging " + records + " records beside the saves");
    Savers savers = new Savers("saves-" + nonce + "-" + step);
    savers.start();
    long purged = 0;
    long purgeNanos = 0;
    long aloneNanosSoFar = 0;
    try {
      Thread.sleep(Math.max(1, WINDOW_NANOS / 1_000_000)); // warmup, not recorded
      // Purge windows and idle windows alternate, so both sides of the ratio see the same machine.
      boolean done = false;
      while (!done || aloneNanosSoFar < aloneNanos) {
        if (!done) {
          savers.state = Savers.DURING;
          long start = System.nanoTime();
          while (System.nanoTime() - start < WINDOW_NANOS) {
            int n = store.purge(ListScope.MAINTENANCE, tenant, "task.", CUTOFF, step);
            if (n == 0) {
              done = true;
              break;
            }
            purged += n;
          }
          purgeNanos += System.nanoTime() - start;
        }
        savers.state = Savers.ALONE;
        long start = System.nanoTime();
        Thread.sleep(Math.max(1, WINDOW_NANOS / 1_000_000));
        aloneNanosSoFar += System.nanoTime() - start;
      }
    } finally {
      savers.stop();
    }
    if (purged != records) {
      throw new IllegalStateException("purged " + purged + " of " + records + " old records");
    }
    Histogram alone = savers.merged(Savers.ALONE);
    Histogram during = savers.merged(Savers.DURING);
    return new Result(
        driver,
        step,
        purged,
        purgeNanos / 1e9,
        alone.getValueAtPercentile(99),
        during.getValueAtPercentile(99),
        alone.getTotalCount() / (aloneNanosSoFar / 1e9),
        during.getTotalCount() / (purgeNanos / 1e9),
        savers.errors());
  }

  private void preload(String tenant, long records) {
    List<StateRecord> batch = new ArrayList<>(BATCH);
    for (long i = 0; i < records; i++) {
      long session = i / BATCH;
      Quadruple q = new Quadruple(tenant, "u" + session % 100, "s" + session, "");
      batch.add(
          StateRecord.of(EventId.newId(), q, "task.checkpoint." + i % BATCH, PAYLOAD)
              .withUpdatedAt(OLD.plusNanos(1000 * i)));
      if (batch.size() == BATCH || i == records - 1) {
        store.saveAll(batch);
        batch.clear();
      }
    }
  }

  /**
   * Closed-loop savers of new records into their own tenant. Each save's latency goes to the
   * histogram of the window it started and ended in (a save that spans a switch is not counted).
   */
  private final class Savers {
    static final int WARMUP = 0;
    static final int ALONE = 1;
    static final int DURING = 2;

    private final String tenant;
    private final List<Thread> workers = new ArrayList<>();
    private final List<Histogram[]> histograms = new ArrayList<>();
    private final long[] errors;
    private volatile boolean running = true;
    volatile int state = WARMUP;

    Savers(String tenant) {
      this.tenant = tenant;
      this.errors = new long[threads];
    }

    void start() {
      for (int t = 0; t < threads; t++) {
        Histogram[] h = {null, new Histogram(Runner.DIGITS), new Histogram(Runner.DIGITS)};
        histograms.add(h);
        int index = t;
        Thread w = new Thread(() -> save(index, h), "harbor-retention-saver-" + t);
        w.setDaemon(true);
        workers.add(w);
        w.start();
      }
    }

    private void save(int index, Histogram[] h) {
      SplittableRandom random = new SplittableRandom(index * 31L + 7);
      while (running) {
        int slot = random.nextInt(SAVE_SLOTS);
        StateRecord r =
            StateRecord.of(
                EventId.newId(),
                new Quadruple(tenant, "u" + slot % 100, "s" + slot, ""),
                "task.checkpoint",
                PAYLOAD);
        int at = state;
        long begin = System.nanoTime();
        try {
          store.save(r);
        } catch (RuntimeException e) {
          errors[index]++;
          continue;
        }
        long took = System.nanoTime() - begin;
        Histogram into = h[at];
        if (at != WARMUP && state == at && into != null) {
          into.recordValue(took);
        }
      }
    }

    /** Stops the savers; their figures may be read afterwards. */
    void stop() throws InterruptedException {
      running = false;
      for (Thread w : workers) {
        w.join();
      }
    }

    Histogram merged(int window) {
      Histogram all = new Histogram(Runner.DIGITS);
      for (Histogram[] h : histograms) {
        Histogram one = h[window];
        if (one != null) {
          all.add(one);
        }
      }
      return all;
    }

    long errors() {
      long sum = 0;
      for (long e : errors) {
        sum += e;
      }
      return sum;
    }
  }

  /**
   * Prints results as a Markdown table.
   *
   * @param out where to
   * @param results the results
   */
  public static void table(PrintStream out, List<Result> results) {
    out.println(
        "| driver | step | records | purge s | records/s | save p99 alone | save p99 during | ratio |"
            + " saves/s alone | saves/s during | errors |");
    out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Result r : results) {
      out.printf(
          Locale.ROOT,
          "| %s | %d | %,d | %.1f | %,.0f | %.2f ms | %.2f ms | %.2f | %,.0f | %,.0f | %d |%n",
          r.driver(),
          r.step(),
          r.records(),
          r.purgeSeconds(),
          r.recordsPerSecond(),
          r.saveP99Alone() / 1e6,
          r.saveP99During() / 1e6,
          r.p99Ratio(),
          r.savesPerSecondAlone(),
          r.savesPerSecondDuring(),
          r.errors());
    }
  }
}
