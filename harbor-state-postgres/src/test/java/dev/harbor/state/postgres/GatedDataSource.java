package dev.harbor.state.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Holds chosen threads where the store borrows a connection, until the test lets them go: the way
 * to keep a commit in flight (a group's, or a lone one) without making it wait for a lock, which a
 * group commit never does on its members' behalf.
 */
final class GatedDataSource extends ForwardingDataSource {

  private final Set<Thread> held = ConcurrentHashMap.newKeySet();
  private final AtomicInteger waiting = new AtomicInteger();

  GatedDataSource(DataSource target) {
    super(target);
  }

  /** Holds a thread (before it starts) at its next borrow. */
  void hold(Thread t) {
    held.add(t);
  }

  /** Lets one thread go on. */
  synchronized void release(Thread t) {
    held.remove(t);
    notifyAll();
  }

  /** Lets every thread go on. */
  synchronized void openForAll() {
    held.clear();
    notifyAll();
  }

  /** How many threads wait at the gate. */
  int waiting() {
    return waiting.get();
  }

  @Override
  public Connection getConnection() throws SQLException {
    Thread self = Thread.currentThread();
    if (held.contains(self)) {
      waiting.incrementAndGet();
      try {
        synchronized (this) {
          while (held.contains(self)) {
            wait();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("interrupted at the gate", e);
      } finally {
        waiting.decrementAndGet();
      }
    }
    return target.getConnection();
  }
}
