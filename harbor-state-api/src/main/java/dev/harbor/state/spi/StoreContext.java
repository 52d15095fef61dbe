package dev.harbor.state.spi;

import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.StoreClosedException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * One store's identity and lifecycle, shared by its {@link StoreCore} and its {@link StoreDriver}:
 * the driver's name, the payload limit, the clock, and whether the store is open.
 *
 * <p>The core counts the calls in flight ({@link #enter()} / {@link #exit()}); {@link #close} marks
 * the store closed, waits until those calls have returned and only then releases the driver's
 * resources, so a call either completes against an open driver or throws {@link
 * StoreClosedException}. A driver calls {@link #checkOpen()} after each wait of its own (a lock, a
 * connection, a fenced slot) so that a close or an interrupt that arrived meanwhile ends the wait.
 */
public final class StoreContext {

  private final String driverName;
  private final String where;
  private final int maxPayloadBytes;
  private final long maxBatchBytes;
  private final Clock clock;

  /** The default of {@link StoreOption#MAX_BATCH_BYTES}, 64 MiB. */
  public static final long DEFAULT_MAX_BATCH_BYTES = 64L << 20;

  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean closed;
  private final CountDownLatch released = new CountDownLatch(1);

  /** Observers of the store's calls; few, added rarely, read on every call. */
  private final List<StoreListener> listeners = new CopyOnWriteArrayList<>();

  private volatile @Nullable StorePool pool;

  /** The snapshots open on this store, which its close closes (CONTRACT.md 4.12). */
  private final Set<StoreSnapshot> snapshots = ConcurrentHashMap.newKeySet();

  /**
   * Fence actions running on this thread: a {@code close()} from inside one must not wait for the
   * fence that is running it.
   */
  private final ThreadLocal<int[]> actionsOnThisThread = ThreadLocal.withInitial(() -> new int[1]);

  /**
   * A context for a store about to open.
   *
   * @param driverName the driver's name, for messages
   * @param maxPayloadBytes the store's payload limit
   * @param clock the clock that stamps records
   * @throws NullPointerException if a reference is null
   * @throws IllegalArgumentException if {@code maxPayloadBytes} is negative
   */
  public StoreContext(String driverName, int maxPayloadBytes, Clock clock) {
    this(driverName, "the " + driverName + " store", maxPayloadBytes, clock);
  }

  /**
   * A context for a store about to open, with a description of where its data lives for messages.
   *
   * @param driverName the driver's name
   * @param where such as {@code "sqlite database /var/lib/app/state.db"}; never a credential
   * @param maxPayloadBytes the store's payload limit
   * @param clock the clock that stamps records
   * @throws NullPointerException if a reference is null
   * @throws IllegalArgumentException if {@code maxPayloadBytes} is negative
   */
  public StoreContext(String driverName, String where, int maxPayloadBytes, Clock clock) {
    this(
        driverName,
        where,
        maxPayloadBytes,
        Math.max(DEFAULT_MAX_BATCH_BYTES, (long) maxPayloadBytes + Limits.MAX_RECORD_KEY_BYTES),
        clock);
  }

  /**
   * A context for a store about to open, with its batch limit.
   *
   * @param driverName the driver's name
   * @param where such as {@code "sqlite database /var/lib/app/state.db"}; never a credential
   * @param maxPayloadBytes the store's payload limit
   * @param maxBatchBytes the store's batch limit ({@link Options#maxBatchBytes})
   * @param clock the clock that stamps records
   * @throws NullPointerException if a reference is null
   * @throws IllegalArgumentException if {@code maxPayloadBytes} is negative or {@code
   *     maxBatchBytes} is below it plus {@link Limits#MAX_RECORD_KEY_BYTES}
   */
  public StoreContext(
      String driverName, String where, int maxPayloadBytes, long maxBatchBytes, Clock clock) {
    this.driverName = Objects.requireNonNull(driverName, "driverName");
    this.where = Objects.requireNonNull(where, "where");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maxPayloadBytes < 0) {
      throw new IllegalArgumentException("maxPayloadBytes must not be negative");
    }
    if (maxBatchBytes < (long) maxPayloadBytes + Limits.MAX_RECORD_KEY_BYTES) {
      throw new IllegalArgumentException(
          "maxBatchBytes must hold any one record: at least maxPayloadBytes + "
              + Limits.MAX_RECORD_KEY_BYTES);
    }
    this.maxPayloadBytes = maxPayloadBytes;
    this.maxBatchBytes = maxBatchBytes;
  }

  /**
   * The driver's name.
   *
   * @return such as {@code "sqlite"}
   */
  public String driverName() {
    return driverName;
  }

  /**
   * Where the store's data lives, for messages.
   *
   * @return such as {@code "sqlite database /var/lib/app/state.db"}, or {@code "the inmem store"}
   */
  public String where() {
    return where;
  }

  /**
   * The largest payload a record may carry.
   *
   * @return bytes
   */
  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  /**
   * The largest batch {@code saveAll} and {@code saveBatchIf} accept: payloads plus key strings.
   *
   * @return bytes
   */
  public long maxBatchBytes() {
    return maxBatchBytes;
  }

  /**
   * The clock records are stamped with.
   *
   * @return the store's clock
   */
  public Clock clock() {
    return clock;
  }

  /**
   * Whether closing has begun.
   *
   * @return {@code true} once {@code close()} was called
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Throws if the store is closed or the calling thread is interrupted.
   *
   * @throws StoreClosedException if the store is closed
   * @throws OperationCancelledException if the calling thread is interrupted (the flag stays set)
   */
  public void checkOpen() {
    if (closed) {
      throw closedException();
    }
    if (Thread.currentThread().isInterrupted()) {
      throw cancelled();
    }
  }

  /**
   * The exception for a call on a closed store.
   *
   * @return a new exception naming the driver
   */
  public StoreClosedException closedException() {
    return new StoreClosedException("the " + driverName + " store is closed");
  }

  /**
   * The exception for an interrupted caller; the interrupt flag is left set.
   *
   * @return a new exception
   */
  public OperationCancelledException cancelled() {
    return new OperationCancelledException(
        "the calling thread was interrupted; nothing was changed");
  }

  // ---- the lifecycle, driven by StoreCore ----

  /**
   * Registers a call; throws, registering nothing, if the store is closed or the caller
   * interrupted.
   */
  void enter() {
    inFlight.incrementAndGet();
    // Checked after counting: a close that marks the store after this point waits for this call.
    if (closed) {
      exit();
      throw closedException();
    }
    if (Thread.currentThread().isInterrupted()) {
      exit();
      throw cancelled();
    }
  }

  /** Ends a call registered by {@link #enter()}. */
  void exit() {
    inFlight.decrementAndGet();
    if (closed) {
      synchronized (inFlight) {
        inFlight.notifyAll();
      }
    }
  }

  /** Runs a fence's action, remembering that this thread is inside it. */
  void runAction(Runnable action) {
    int[] depth = actionsOnThisThread.get();
    depth[0]++;
    try {
      action.run();
    } finally {
      depth[0]--;
    }
  }

  /**
   * Closes once: marks the store closed, lets the driver wake its waiters, waits for the calls in
   * flight (other than fences whose action is this thread's caller) and releases the driver.
   * Uninterruptibly, so that close always closes; every caller returns only once it is released.
   */
  void close(StoreDriver driver) {
    boolean first;
    synchronized (this) {
      first = !closed;
      closed = true;
    }
    if (!first) {
      awaitReleased();
      return;
    }
    try {
      driver.closing();
      awaitDrained(actionsOnThisThread.get()[0]);
      closeSnapshots();
      driver.close();
    } finally {
      released.countDown();
    }
  }

  /** Remembers an open snapshot, for {@link #close}; called inside the call that opened it. */
  void track(StoreSnapshot snapshot) {
    snapshots.add(snapshot);
  }

  /** Forgets a snapshot its user closed. */
  void untrack(StoreSnapshot snapshot) {
    snapshots.remove(snapshot);
  }

  /**
   * Closes the snapshots still open, once no call is in flight and before the driver's resources
   * go: no snapshot's connection or transaction outlives the store. A failure to release one is
   * logged, so the others and the driver are still released.
   */
  private void closeSnapshots() {
    for (StoreSnapshot snapshot : List.copyOf(snapshots)) {
      try {
        snapshot.close();
      } catch (RuntimeException e) {
        System.getLogger(StoreContext.class.getName())
            .log(System.Logger.Level.WARNING, "closing a snapshot of " + where + " failed", e);
      }
    }
  }

  private void awaitDrained(int ownCalls) {
    uninterruptibly(
        () -> {
          synchronized (inFlight) {
            while (inFlight.get() > ownCalls) {
              inFlight.wait();
            }
          }
        });
  }

  private void awaitReleased() {
    if (actionsOnThisThread.get()[0] > 0) {
      return; // a close inside a fence's action while another thread closes: waiting would deadlock
    }
    uninterruptibly(released::await);
  }

  /** A wait that may be interrupted. */
  private interface Wait {
    void await() throws InterruptedException;
  }

  /**
   * Waits to the end however often interrupted, then restores the interrupt: close always closes.
   */
  private static void uninterruptibly(Wait wait) {
    boolean interrupted = false;
    while (true) {
      try {
        wait.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- observation: listeners and the store's own pool ----

  /**
   * Adds a listener for this store's calls (see {@link StoreListener}); it sees every call that
   * ends after this returns.
   *
   * @param listener the listener
   * @throws NullPointerException if {@code listener} is null
   */
  public void addListener(StoreListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Whether any listener is attached, so the core can skip timing a call nobody observes.
   *
   * @return {@code true} if at least one listener is attached
   */
  boolean observed() {
    return !listeners.isEmpty();
  }

  /** Tells every listener that a call ended; a listener's failure never reaches the caller. */
  void called(StoreCall call) {
    for (StoreListener listener : listeners) {
      try {
        listener.called(call);
      } catch (RuntimeException e) {
        listenerFailed(listener, e);
      }
    }
  }

  /**
   * Tells every listener that this store's driver committed a group of writes in one transaction:
   * for drivers with group commit.
   *
   * @param writes how many callers' writes the commit carried
   */
  public void groupCommitted(int writes) {
    for (StoreListener listener : listeners) {
      try {
        listener.groupCommitted(driverName, writes);
      } catch (RuntimeException e) {
        listenerFailed(listener, e);
      }
    }
  }

  /**
   * Publishes the pool this store owns, for gauges; a driver calls it at open. A store over a
   * borrowed pool publishes none.
   *
   * @param pool a live view of the pool
   * @throws NullPointerException if {@code pool} is null
   */
  public void publishPool(StorePool pool) {
    this.pool = Objects.requireNonNull(pool, "pool");
  }

  /**
   * The pool this store owns, if its driver published one.
   *
   * @return the pool's live view, or empty
   */
  public Optional<StorePool> pool() {
    return Optional.ofNullable(pool);
  }

  // The API depends on the JDK alone, so a listener's failure is reported through the platform
  // logger (which SLF4J and Log4j bridge), not a logging library of ours.
  private static void listenerFailed(StoreListener listener, RuntimeException e) {
    System.getLogger(StoreContext.class.getName())
        .log(
            System.Logger.Level.WARNING,
            "store listener " + listener.getClass().getName() + " failed; ignored",
            e);
  }
}
