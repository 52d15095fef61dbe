package dev.harbor.state.sql;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreErrors;
import dev.harbor.state.sql.GroupCommit.Committer;
import dev.harbor.state.sql.GroupCommit.Member;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The queue and leader hand-off behind {@link GroupCommit}: who leads, who queues, how a leader
 * takes its group, runs the {@link Committer} and promotes the next leader, and how a queued caller
 * waits or gives up. See {@link GroupCommit} for the protocol.
 *
 * @param <W> what one member writes
 */
final class LeaderQueue<W> {

  private final Committer<W> committer;
  private final StoreContext context;
  private final Duration operationTimeout;
  private final int maxGroupSize;
  private final long delayNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Member<W>> queue = new ArrayDeque<>(); // guarded by lock
  private final int maxLeaders;
  private final AloneLimit aloneLimit;
  private int leaders; // guarded by lock; fewer than maxLeaders implies an empty queue
  private final AtomicLongArray sizes;

  LeaderQueue(
      Committer<W> committer,
      StoreContext context,
      Duration operationTimeout,
      int maxGroupSize,
      long delayNanos,
      int maxLeaders,
      AloneLimit aloneLimit,
      AtomicLongArray sizes) {
    this.committer = committer;
    this.context = context;
    this.operationTimeout = operationTimeout;
    this.maxGroupSize = maxGroupSize;
    this.delayNanos = delayNanos;
    this.maxLeaders = maxLeaders;
    this.aloneLimit = aloneLimit;
    this.sizes = sizes;
  }

  /** Commits the caller's write (see {@link GroupCommit#submit}); {@code writing} counts it. */
  @Nullable Object submit(Member<W> self, int writing) {
    int aloneUpTo = aloneLimit.current();
    if (aloneUpTo > maxLeaders) {
      if (writing <= aloneUpTo) {
        // Few are writing: each commits alone at once, as nobody's leader, so nobody waits for it.
        return alone(self, true);
      }
      aloneLimit.turnedAway();
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
      return alone(self, false); // it waited for a group first: not what a lone commit costs
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
  private @Nullable Object alone(Member<W> self, boolean measured) {
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
    if (measured && aloneLimit.adaptive()) {
      aloneLimit.lone(self.started, aloneLimit.now());
    }
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
    long started = aloneLimit.adaptive() ? aloneLimit.now() : 0;
    try {
      commit(group);
      counted(group);
      if (aloneLimit.adaptive()) {
        aloneLimit.group(started, aloneLimit.now());
      }
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
  int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many groups are in flight (for tests that steer a group, and monitoring): while as many as
   * {@code maxLeaders} are, a new write queues (unless no more than {@link AloneLimit#current()}
   * callers are writing, counting it).
   *
   * @return the leaders leading now
   */
  int leaders() {
    lock.lock();
    try {
      return leaders;
    } finally {
      lock.unlock();
    }
  }
}
