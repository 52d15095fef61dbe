package dev.harbor.state.langgraph4j;

import dev.harbor.state.StateStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A store that, while armed, holds every call of one method at a barrier before passing it on: two
 * savers whose calls meet there are both inside that step at once, whatever the scheduler does.
 */
final class Steered {

  private final AtomicReference<CyclicBarrier> armed = new AtomicReference<>();
  private final String method;

  Steered(String method) {
    this.method = method;
  }

  /** Arms the barrier: the next calls of the method wait until {@code parties} have arrived. */
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
              CyclicBarrier barrier = armed.get();
              if (barrier != null && m.getName().equals(method)) {
                barrier.await(30, TimeUnit.SECONDS);
              }
              try {
                return m.invoke(delegate, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
