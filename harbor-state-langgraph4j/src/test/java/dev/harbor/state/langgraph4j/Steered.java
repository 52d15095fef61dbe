package dev.harbor.state.langgraph4j;

import dev.harbor.state.StateStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A store that, once armed, holds the next call of one method at a barrier, before passing it on or
 * (for a read) after it returned: two savers whose calls meet there are both inside that step at
 * once, or have both read, whatever the scheduler does. One call per arming: later calls pass
 * straight through.
 */
final class Steered {

  private final AtomicReference<CyclicBarrier> armed = new AtomicReference<>();
  private final String method;
  private final boolean afterTheCall;

  /** Holds the method's next call before it reaches the store. */
  Steered(String method) {
    this(method, false);
  }

  /**
   * Holds the method's next call before it reaches the store, or, with {@code afterTheCall}, once
   * the store answered: two reads held after the call have both seen the same state before either
   * caller goes on to write (held before it, one caller could read after the other wrote).
   */
  Steered(String method, boolean afterTheCall) {
    this.method = method;
    this.afterTheCall = afterTheCall;
  }

  /** Arms the barrier: the next call of the method waits until the barrier's parties arrive. */
  void arm(CyclicBarrier barrier) {
    armed.set(barrier);
  }

  void disarm() {
    armed.set(null);
  }

  StateStore wrap(StateStore delegate) {
    return (StateStore)
        Proxy.newProxyInstance(
            StateStore.class.getClassLoader(),
            new Class<?>[] {StateStore.class},
            (proxy, m, args) -> {
              CyclicBarrier barrier = m.getName().equals(method) ? armed.getAndSet(null) : null;
              if (barrier != null && !afterTheCall) {
                barrier.await(30, TimeUnit.SECONDS);
              }
              Object result;
              try {
                result = m.invoke(delegate, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              if (barrier != null && afterTheCall) {
                barrier.await(30, TimeUnit.SECONDS);
              }
              return result;
            });
  }
}
