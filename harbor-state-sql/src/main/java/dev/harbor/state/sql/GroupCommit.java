package dev.harbor.state.sql;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.Options;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreOption;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.jspecify.annotations.Nullable;

/**
 * Leader/follower group commit: concurrent single-record writes share one durable commit.
 *
 * <p>A caller that finds no commit in flight leads at once: it takes itself and whoever queued
 * meanwhile (up to {@code maxGroupSize}, in arrival order) and hands the group to the driver's
 * {@link Committer}, which runs it as one transaction and settles each member's own outcome. While
 * that commit is in flight, new callers queue; when it ends, the leader promotes the oldest queued
 * caller to lead the next group and only then wakes its own group. A caller alone therefore never
 * waits for company (unless {@code commitDelay} asks it to), and callers arriving under load share
 * the next commit instead of each paying their own. A driver whose backend merges concurrent
 * commits (PostgreSQL) may let a few groups be in flight at once ({@code maxLeaders}); then a
 * caller leads at once while fewer than that many commit, and queues otherwise. Such a driver may
 * also let every caller commit alone while only a few are writing at all ({@code aloneUpTo}):
 * grouping pays when callers outnumber the commits worth overlapping, and costs throughput when
 * they do not (measured on PostgreSQL: at 4 writing threads, 2 groups in flight did 40 % fewer
 * saves than 4 lone commits; at 16, the groups did 50 % more). Where that crossing lies depends on
 * the machine, so the limit may adapt ({@link AloneLimit#adaptive}): fewer commit alone once lone
 * commits start to wait for each other at the backend, more while they do not. A caller that
 * commits alone that way is nobody's leader: it holds no place among the {@code maxLeaders}, so
 * however long its write waits (for a fenced slot, say), no other caller waits for it.
 *
 * <p>Each call has one deadline, {@code operationTimeout} after it started, whoever leads: a caller
 * promoted to lead after waiting in the queue commits within what is left of its own time (and
 * gives up, nothing sent, if none is left), and the group's commit is bounded by its leader's
 * deadline, which is the earliest of the group's (the leader queued first). A leader must not make
 * its group wait for what only one member waits for: a driver whose members can be held up one by
 * one (PostgreSQL: a slot's lock held by a fence) takes what the group needs without waiting and
 * sends a member whose share is held back to its caller ({@link Member#goAlone}), who commits it
 * alone, within its own deadline, once the group's commit has ended.
 *
 * <p>Wake-ups cannot be lost: a member's state is volatile and changes only from QUEUED (under the
 * queue's lock) to TAKEN, LEADER or ABANDONED, and from TAKEN to DONE; a waiting caller re-reads
 * its state before every {@link LockSupport#parkNanos}, whose permit survives an {@code unpark}
 * that came first.
 *
 * <p>A caller that is interrupted or runs out of {@code operationTimeout} while queued is taken out
 * of the queue and gets {@link OperationCancelledException} or a transient {@link
 * StorageException}, its write never sent; once a leader has taken its write it gets {@link
 * CommitOutcomeUnknownException} instead, since the shared commit may still apply it.
 *
 * @param <W> what one member writes, as the driver describes it
 */
public final class GroupCommit<W> implements AutoCloseable {

  /** The option that turns group commit on or off. */
  public static final StoreOption GROUP_COMMIT =
      new StoreOption(
          "groupCommit",
          "on",
          "on: concurrent single-record saves and deletes that arrive while a commit is in flight share the next one"
              + " (each keeps its own outcome and returns once its write is durable); off: each commits alone");

  /** The option that bounds a group. */
  public static final StoreOption MAX_GROUP_SIZE =
      new StoreOption("maxGroupSize", "64", "most writes one shared commit carries (1..1024)");

  /** The option that makes a leader wait for company. */
  public static final StoreOption COMMIT_DELAY =
      new StoreOption(
          "commitDelay",
          "0ms",
          "how long a leader waits for more writes before a shared commit (trades latency for"
              + " throughput); 0ms: never waits");

  /** The three options, in the order the option tables list them. */
  public static final List<StoreOption> OPTIONS =
      List.of(GROUP_COMMIT, MAX_GROUP_SIZE, COMMIT_DELAY);

  /** The largest {@code maxGroupSize} accepted. */
  public static final int MAX_GROUP_LIMIT = 1024;

  /**
   * The validated group commit options of one store.
   *
   * @param enabled whether writes are grouped at all
   * @param maxGroupSize the most members of one group
   * @param commitDelay how long a leader waits for company; zero for never
   */
  public record Settings(boolean enabled, int maxGroupSize, Duration commitDelay) {

    /**
     * Reads the options.
     *
     * @param options a driver's options whose table includes {@link #OPTIONS}
     * @return the settings
     * @throws dev.harbor.state.InvalidConfigException if one is malformed
     */
    public static Settings parse(Options options) {
      boolean enabled = Set.of("on", "true").contains(options.choice(GROUP_COMMIT, ONOFF));
      int max = options.integer(MAX_GROUP_SIZE, 1, MAX_GROUP_LIMIT);
      Duration delay = options.duration(COMMIT_DELAY, Duration.ZERO);
      if (delay.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new dev.harbor.state.InvalidConfigException(
            "option commitDelay='"
                + options.text(COMMIT_DELAY)
                + "' is invalid; expected a duration from 0ms to 1s");
      }
      return new Settings(enabled, max, delay);
    }

    private static final Set<String> ONOFF = Set.of("on", "off", "true", "false");
  }

  /**
   * What a driver does with a group: run every member's write in one transaction (or, for a group
   * of one, the way the write runs alone) and settle each member with {@link Member#succeed} or
   * {@link Member#fail}, or send it back to its caller with {@link Member#goAlone}. If it throws,
   * the transaction failed as a whole: every member not sent back gets that exception, whatever was
   * settled before.
   *
   * <p>The first member is the leader, whose thread runs the commit: the commit must end by its
   * {@link Member#deadline()}. A group of one whose member {@link Member#alone() commits alone}
   * runs as the write runs without grouping, and may wait for whatever that write waits for; any
   * other group is led on others' behalf and must not wait for what only some of its members wait
   * for.
   *
   * @param <W> what one member writes
   */
  @FunctionalInterface
  public interface Committer<W> {
    /**
     * Commits a group.
     *
     * @param group the members in arrival order, at least one, the leader first
     */
    void commit(List<Member<W>> group);
  }

  /**
   * One caller's write in a group, and its outcome.
   *
   * @param <W> what it writes
   */
  public static final class Member<W> {
    static final int QUEUED = 0;
    static final int LEADER = 1;
    static final int TAKEN = 2;
    static final int DONE = 3;
    static final int ABANDONED = 4;

    private final W write;
    final Thread thread = Thread.currentThread();
    final long deadline;
    final long started; // on the alone limit's ticker, if it adapts
    volatile int state = QUEUED;
    // Written by the leader before DONE (a volatile write), read by the caller after seeing DONE.
    @Nullable Object result;
    @Nullable RuntimeException failure;
    boolean settled;
    boolean sentBack;
    boolean alone;

    private Member(W write, long deadline, long started) {
      this.write = write;
      this.deadline = deadline;
      this.started = started;
    }

    /**
     * The write.
     *
     * @return what this member writes
     */
    public W write() {
      return write;
    }

    /**
     * When the caller's call must end: {@code operationTimeout} after it started, as {@link
     * System#nanoTime()} reads. The leader's bounds its group's commit.
     *
     * @return the deadline
     */
    public long deadline() {
      return deadline;
    }

    /**
     * Whether the member commits alone, as nobody's leader (few callers are writing, or a group
     * sent it back): its commit may wait for whatever its write waits for.
     *
     * @return whether it is alone
     */
    public boolean alone() {
      return alone;
    }

    /**
     * Settles nothing and sends the member back to its caller, who commits it alone once this
     * group's commit has ended (and the next leader is chosen), within its own deadline. For a
     * member whose write would have to wait where the others need not (its slot locked elsewhere):
     * nothing of it may have been written.
     */
    public void goAlone() {
      result = null;
      failure = null;
      settled = false;
      sentBack = true;
    }

    /**
     * Settles the member with a result (for writes without one, {@code null}).
     *
     * @param value the result
     */
    public void succeed(@Nullable Object value) {
      result = value;
      failure = null;
      settled = true;
      sentBack = false;
    }

    /**
     * Settles the member with its own failure (a conflict, a failed condition), which did not
     * change anything and does not affect the others.
     *
     * @param e the failure
     */
    public void fail(RuntimeException e) {
      result = null;
      failure = e;
      settled = true;
      sentBack = false;
    }
  }

  /** Group statistics a monitoring tool or the bench reads over JMX. */
  public interface GroupCommitMXBean {
    /**
     * Committed groups by size.
     *
     * @return element {@code n} counts the groups of {@code n} writes (element 0 is unused)
     */
    long[] getGroupSizeCounts();

    /**
     * Up to how many concurrent writers commit alone now (see {@link AloneLimit}).
     *
     * @return the limit
     */
    int getAloneUpTo();

    /**
     * Which store the statistics belong to.
     *
     * @return the store, as its messages name it
     */
    String getStore();
  }

  private static final AtomicLong IDS = new AtomicLong();

  private final long timeoutNanos;
  private final AtomicInteger writers = new AtomicInteger(); // callers inside submit
  private final AtomicLongArray sizes;
  private final LeaderQueue<W> leading;
  private final AloneLimit aloneLimit;
  private @Nullable ObjectName registered;

  /**
   * A group commit for one store; registers its statistics as an MXBean named {@code
   * dev.harbor.state:type=GroupCommit,driver=<driver>,id=<n>} until {@link #close()}.
   *
   * @param settings the options
   * @param operationTimeout the store's bound on each call's waiting
   * @param context the store's context
   * @param committer what commits a group
   */
  public GroupCommit(
      Settings settings, Duration operationTimeout, StoreContext context, Committer<W> committer) {
    this(settings, operationTimeout, context, 1, 1, committer);
  }

  /**
   * A group commit whose groups may be in flight several at once: a backend that merges the flushes
   * of concurrent commits (PostgreSQL) overlaps them instead of waiting for each.
   *
   * @param settings the options
   * @param operationTimeout the store's bound on each call's waiting
   * @param context the store's context
   * @param maxLeaders how many groups may commit at once, at least 1
   * @param committer what commits a group
   */
  public GroupCommit(
      Settings settings,
      Duration operationTimeout,
      StoreContext context,
      int maxLeaders,
      Committer<W> committer) {
    this(settings, operationTimeout, context, maxLeaders, maxLeaders, committer);
  }

  /**
   * A group commit that groups only under load: while no more than {@code aloneUpTo} callers are
   * writing, each commits alone at once (as many in flight as callers); beyond that, at most {@code
   * maxLeaders} groups are in flight and the other callers queue for them.
   *
   * @param settings the options
   * @param operationTimeout the store's bound on each call's waiting
   * @param context the store's context
   * @param maxLeaders how many groups may commit at once under load, at least 1
   * @param aloneUpTo up to how many concurrent callers each commit alone, at least {@code
   *     maxLeaders}
   * @param committer what commits a group
   */
  public GroupCommit(
      Settings settings,
      Duration operationTimeout,
      StoreContext context,
      int maxLeaders,
      int aloneUpTo,
      Committer<W> committer) {
    this(
        settings,
        operationTimeout,
        context,
        maxLeaders,
        checkedFixed(maxLeaders, aloneUpTo),
        committer);
  }

  /**
   * A group commit that groups only under load, with a limit that may adapt: while no more than
   * {@link AloneLimit#current()} callers are writing, each commits alone at once; beyond that, at
   * most {@code maxLeaders} groups are in flight and the other callers queue for them. An adaptive
   * limit learns from the commits of this group commit alone (see {@link AloneLimit}).
   *
   * @param settings the options
   * @param operationTimeout the store's bound on each call's waiting
   * @param context the store's context
   * @param maxLeaders how many groups may commit at once under load, at least 1
   * @param aloneLimit up to how many concurrent callers each commit alone; its floor at least
   *     {@code maxLeaders}, and above it if it adapts; used by this group commit only
   * @param committer what commits a group
   */
  public GroupCommit(
      Settings settings,
      Duration operationTimeout,
      StoreContext context,
      int maxLeaders,
      AloneLimit aloneLimit,
      Committer<W> committer) {
    if (maxLeaders < 1) {
      throw new IllegalArgumentException("maxLeaders must be at least 1");
    }
    if (aloneLimit.floor() < maxLeaders) {
      throw new IllegalArgumentException("aloneUpTo must be at least maxLeaders");
    }
    if (aloneLimit.adaptive() && aloneLimit.floor() <= maxLeaders) {
      // At maxLeaders nobody would commit alone, so lone commits would no longer be measured.
      throw new IllegalArgumentException("an adaptive alone limit's floor must exceed maxLeaders");
    }
    this.aloneLimit = aloneLimit;
    this.timeoutNanos = operationTimeout.toNanos();
    this.sizes = new AtomicLongArray(settings.maxGroupSize() + 1);
    this.leading =
        new LeaderQueue<>(
            committer,
            context,
            operationTimeout,
            settings.maxGroupSize(),
            settings.commitDelay().toNanos(),
            maxLeaders,
            aloneLimit,
            sizes);
    this.registered = register(context);
  }

  /**
   * Commits a write, alone or in a group, and returns its own outcome once the commit that carries
   * it is durable.
   *
   * @param write the write
   * @return the result the committer settled it with
   * @throws RuntimeException the failure the committer settled it with, or the group's failure
   * @throws OperationCancelledException if the thread was interrupted before the write was sent
   *     (the flag stays set; nothing was written)
   * @throws CommitOutcomeUnknownException if the caller stopped waiting (interrupt, timeout) after
   *     a leader had taken its write
   */
  public @Nullable Object submit(W write) {
    int writing = writers.incrementAndGet();
    try {
      long started = aloneLimit.adaptive() ? aloneLimit.now() : 0;
      return leading.submit(
          new Member<>(write, System.nanoTime() + timeoutNanos, started), writing);
    } finally {
      writers.decrementAndGet();
    }
  }

  /**
   * How many writes wait for the next commit (for tests that steer a group, and monitoring).
   *
   * @return the queued writes
   */
  public int queued() {
    return leading.queued();
  }

  /**
   * How many groups are in flight (for tests that steer a group, and monitoring): while as many as
   * {@code maxLeaders} are, a new write queues (unless no more than {@code aloneUpTo} callers are
   * writing, counting it).
   *
   * @return the leaders leading now
   */
  public int leaders() {
    return leading.leaders();
  }

  /**
   * Up to how many concurrent writers commit alone now (for tests and monitoring).
   *
   * @return the limit
   */
  public int aloneUpTo() {
    return aloneLimit.current();
  }

  /** The fixed limit of the older constructors, refused below {@code maxLeaders}. */
  private static AloneLimit checkedFixed(int maxLeaders, int aloneUpTo) {
    if (aloneUpTo < maxLeaders) {
      throw new IllegalArgumentException("aloneUpTo must be at least maxLeaders");
    }
    return AloneLimit.fixed(aloneUpTo);
  }

  /**
   * Committed groups by size, since the store opened.
   *
   * @return element {@code n} counts the groups of {@code n} writes
   */
  public long[] groupSizeCounts() {
    long[] out = new long[sizes.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = sizes.get(i);
    }
    return out;
  }

  /** Unregisters the statistics. The store calls this when it closes. */
  @Override
  public void close() {
    ObjectName name = registered;
    registered = null;
    if (name != null) {
      try {
        ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
      } catch (JMException | RuntimeException e) {
        // Already gone (someone unregistered it): nothing is left to release.
      }
    }
  }

  private @Nullable ObjectName register(StoreContext context) {
    try {
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      ObjectName name =
          new ObjectName(
              "dev.harbor.state:type=GroupCommit,driver="
                  + ObjectName.quote(context.driverName())
                  + ",id="
                  + IDS.incrementAndGet());
      String store = context.where();
      GroupCommitMXBean bean =
          new GroupCommitMXBean() {
            @Override
            public long[] getGroupSizeCounts() {
              return groupSizeCounts();
            }

            @Override
            public int getAloneUpTo() {
              return aloneUpTo();
            }

            @Override
            public String getStore() {
              return store;
            }
          };
      server.registerMBean(bean, name);
      return name;
    } catch (JMException | RuntimeException e) {
      // Statistics are a convenience (this module logs nothing): without JMX writes still group.
      return null;
    }
  }
}
