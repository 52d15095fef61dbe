package dev.harbor.state.sql;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.Options;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreErrors;
import dev.harbor.state.spi.StoreOption;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
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
 * saves than 4 lone commits; at 16, the groups did 50 % more). A caller that commits alone that way
 * is nobody's leader: it holds no place among the {@code maxLeaders}, so however long its write
 * waits (for a fenced slot, say), no other caller waits for it.
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
    private static final int QUEUED = 0;
    private static final int LEADER = 1;
    private static final int TAKEN = 2;
    private static final int DONE = 3;
    private static final int ABANDONED = 4;

    private final W write;
    private final Thread thread = Thread.currentThread();
    private final long deadline;
    private volatile int state = QUEUED;
    // Written by the leader before DONE (a volatile write), read by the caller after seeing DONE.
    private @Nullable Object result;
    private @Nullable RuntimeException failure;
    private boolean settled;
    private boolean sentBack;
    private boolean alone;

    private Member(W write, long deadline) {
      this.write = write;
      this.deadline = deadline;
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
     * Which store the statistics belong to.
     *
     * @return the store, as its messages name it
     */
    String getStore();
  }

  private static final AtomicLong IDS = new AtomicLong();

  private final Committer<W> committer;
  private final StoreContext context;
  private final Duration operationTimeout;
  private final long timeoutNanos;
  private final int maxGroupSize;
  private final long delayNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Member<W>> queue = new ArrayDeque<>(); // guarded by lock
  private final int maxLeaders;
  private final int aloneUpTo;
  private final AtomicInteger writers = new AtomicInteger(); // callers inside submit
  private int leaders; // guarded by lock; fewer than maxLeaders implies an empty queue
  private final AtomicLongArray sizes;
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
    if (maxLeaders < 1) {
      throw new IllegalArgumentException("maxLeaders must be at least 1");
    }
    if (aloneUpTo < maxLeaders) {
      throw new IllegalArgumentException("aloneUpTo must be at least maxLeaders");
    }
    this.maxLeaders = maxLeaders;
    this.aloneUpTo = aloneUpTo;
    this.committer = committer;
    this.context = context;
    this.operationTimeout = operationTimeout;
    this.timeoutNanos = operationTimeout.toNanos();
    this.maxGroupSize = settings.maxGroupSize();
    this.delayNanos = settings.commitDelay().toNanos();
    this.sizes = new AtomicLongArray(maxGroupSize + 1);
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
      return submit(new Member<>(write, System.nanoTime() + timeoutNanos), writing);
    } finally {
      writers.decrementAndGet();
    }
  }

  private @Nullable Object submit(Member<W> self, int writing) {
    if (aloneUpTo > maxLeaders && writing <= aloneUpTo) {
      // Few are writing: each commits alone at once, as nobody's leader, so nobody waits for it.
      return alone(self);
    }
    boolean lead;
    lock.lock();
    try {
      // A leader is never in the queue: two leaders ending at once must not promote one caller
      // twice, nor take a leader into their group.
      lead = leaders < maxLeaders;
      if (lead) {
        leaders++;
        self.state = Member.LEADER;
      } else {
        queue.addLast(self);
      }
    } finally {
      lock.unlock();
    }
    if (!lead) {
      await(self);
    }
    if (self.state == Member.LEADER) {
      lead(self);
    }
    if (self.sentBack) {
      return alone(self);
    }
    if (self.failure != null) {
      throw self.failure;
    }
    return self.result;
  }

  /**
   * Commits the caller's write alone, on its own thread and within its own deadline: outside any
   * group, so whatever it waits for holds up nobody else.
   */
  private @Nullable Object alone(Member<W> self) {
    if (self.deadline - System.nanoTime() <= 0) {
      // Sent back by a group after its time ran out: nothing of it was written.
      throw StoreErrors.timedOut(operationTimeout, "a commit of " + context.where());
    }
    self.alone = true;
    self.sentBack = false;
    self.settled = false;
    List<Member<W>> one = List.of(self);
    runCommitter(one);
    counted(one);
    if (self.failure != null) {
      throw self.failure;
    }
    return self.result;
  }

  /** Counts a group that committed, leaving out the members it sent back. */
  private void counted(List<Member<W>> group) {
    int n = 0;
    for (Member<W> m : group) {
      if (!m.sentBack) {
        n++;
      }
    }
    if (n > 0) {
      sizes.incrementAndGet(n);
      context.groupCommitted(n);
    }
  }

  /** Waits until the member is done or promoted to leader; gives up on interrupt or timeout. */
  private void await(Member<W> self) {
    while (true) {
      int s = self.state;
      if (s == Member.DONE || s == Member.LEADER) {
        return;
      }
      boolean interrupted = Thread.currentThread().isInterrupted();
      long left = self.deadline - System.nanoTime();
      if (interrupted || left <= 0) {
        giveUp(self, interrupted);
        // giveUp returns only if the member was promoted or done meanwhile: go round again
        continue;
      }
      LockSupport.parkNanos(this, left);
    }
  }

  /**
   * The caller stops waiting. Throws, unless the member became leader or done just before (then the
   * caller carries on).
   */
  private void giveUp(Member<W> self, boolean interrupted) {
    int s;
    lock.lock();
    try {
      s = self.state;
      if (s == Member.QUEUED) {
        queue.remove(self);
        self.state = Member.ABANDONED;
      }
    } finally {
      lock.unlock();
    }
    if (s == Member.QUEUED) {
      throw interrupted
          ? context.cancelled()
          : StoreErrors.timedOut(operationTimeout, "a shared commit of " + context.where());
    }
    if (s == Member.TAKEN) {
      throw new CommitOutcomeUnknownException(
          (interrupted ? "interrupted" : "timed out after " + operationTimeout.toMillis() + " ms")
              + " while the shared commit carrying this write to "
              + context.where()
              + " was in flight; it may or may not have been applied (retrying the same write is"
              + " safe)",
          null);
    }
    if (s == Member.LEADER && interrupted) {
      abdicate(self);
      throw context.cancelled();
    }
    if (s == Member.LEADER) {
      return; // timed out, but leads now: lead() hands the lead on and reports the timeout
    }
  }

  /** A leader that will not lead: out of the queue, and the next caller leads instead. */
  private void abdicate(Member<W> self) {
    lock.lock();
    try {
      self.state = Member.ABANDONED; // a leader, so not in the queue
      handOff();
    } finally {
      lock.unlock();
    }
  }

  /** Promotes the oldest queued caller to leader, or notes that none leads. Holds the lock. */
  private void handOff() {
    Member<W> next = queue.pollFirst();
    if (next == null) {
      leaders--;
      return;
    }
    next.state = Member.LEADER;
    LockSupport.unpark(next.thread);
  }

  private void lead(Member<W> self) {
    if (delayNanos > 0) {
      waitForCompany();
    }
    if (Thread.currentThread().isInterrupted()) {
      // Nothing of this caller was sent: it leaves, and the next caller leads.
      abdicate(self);
      throw context.cancelled();
    }
    if (self.deadline - System.nanoTime() <= 0) {
      // Promoted after its own time ran out: it leaves, nothing sent, and the next caller leads.
      abdicate(self);
      throw StoreErrors.timedOut(operationTimeout, "a shared commit of " + context.where());
    }
    List<Member<W>> group = new ArrayList<>(Math.min(maxGroupSize, 16));
    self.state = Member.TAKEN;
    group.add(self); // it arrived before everyone still queued
    lock.lock();
    try {
      while (group.size() < maxGroupSize && !queue.isEmpty()) {
        Member<W> m = queue.pollFirst();
        m.state = Member.TAKEN;
        group.add(m);
      }
    } finally {
      lock.unlock();
    }
    Error error = null;
    try {
      commit(group);
      counted(group);
    } catch (Error e) {
      error = e;
      StorageException failure =
          new StorageException("a shared commit of " + context.where() + " failed", false, e);
      for (Member<W> m : group) {
        m.fail(failure);
      }
    } finally {
      lock.lock();
      try {
        handOff(); // the next group starts before this one's callers wake
      } finally {
        lock.unlock();
      }
      for (Member<W> m : group) {
        m.state = Member.DONE;
        if (m != self) {
          LockSupport.unpark(m.thread);
        }
      }
    }
    if (error != null) {
      throw error;
    }
  }

  /**
   * Runs the committer, turning a whole-group failure into each member's outcome. A leader that is
   * alone commits as the caller it is (an interrupt cancels it as it would without grouping); a
   * leader of others does not let its own interrupt cancel their writes: it sets the flag aside
   * while the group commits and, should an interrupt still cancel the transaction before its commit
   * (nothing was written then), commits the group again.
   */
  private void commit(List<Member<W>> group) {
    if (group.size() == 1) {
      runCommitter(group);
      return;
    }
    boolean interrupted = Thread.interrupted();
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          committer.commit(group);
          ensureSettled(group);
          return;
        } catch (OperationCancelledException e) {
          if (!Thread.interrupted() || attempt >= 8) {
            failAll(group, e);
            return;
          }
          interrupted = true;
        } catch (RuntimeException e) {
          failAll(group, e);
          return;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void runCommitter(List<Member<W>> group) {
    try {
      committer.commit(group);
      ensureSettled(group);
    } catch (RuntimeException e) {
      failAll(group, e);
    }
  }

  /** The group's failure is every member's, except those sent back, which it did not carry. */
  private static <W> void failAll(List<Member<W>> group, RuntimeException e) {
    for (Member<W> m : group) {
      if (!m.sentBack) {
        m.fail(e);
      }
    }
  }

  private void ensureSettled(List<Member<W>> group) {
    for (Member<W> m : group) {
      if (!m.settled && !m.sentBack) {
        m.fail(
            new IllegalStateException(
                "the group committer of " + context.where() + " left a write unsettled"));
      }
    }
  }

  /** {@code commitDelay}: waits for company, but not once a full group is queued. */
  private void waitForCompany() {
    long until = System.nanoTime() + delayNanos;
    boolean interrupted = false;
    while (true) {
      long left = until - System.nanoTime();
      if (left <= 0 || queued() >= maxGroupSize - 1) {
        break;
      }
      LockSupport.parkNanos(this, Math.min(left, 50_000L));
      if (Thread.interrupted()) {
        interrupted = true;
        break;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * How many writes wait for the next commit (for tests that steer a group, and monitoring).
   *
   * @return the queued writes
   */
  public int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many groups are in flight (for tests that steer a group, and monitoring): while as many as
   * {@code maxLeaders} are, a new write queues (unless no more than {@code aloneUpTo} callers are
   * writing, counting it).
   *
   * @return the leaders leading now
   */
  public int leaders() {
    lock.lock();
    try {
      return leaders;
    } finally {
      lock.unlock();
    }
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
