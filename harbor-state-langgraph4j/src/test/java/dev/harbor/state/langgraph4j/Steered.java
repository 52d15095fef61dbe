package dev.harbor.state.langgraph4j;

import dev.harbor.state.StateStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A store that, once armed, holds the next call of one method at a barrier before passing it on:
 * two savers whose calls meet there are both inside that step at once, whatever the scheduler does.
 * One call per arming: later calls pass straight through.
 */
final class Steered {

  private final AtomicReference<CyclicBarrier> armed = new AtomicReference<>();
  private final String method;

  Steered(String method) {
    this.method = method;
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
              if (m.getName().equals(method)) {
                CyclicBarrier barrier = armed.getAndSet(null);
                if (barrier != null) {
                  barrier.await(30, TimeUnit.SECONDS);
                }
              }
              try {
                return m.invoke(delegate, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
