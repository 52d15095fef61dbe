package dev.harbor.state.spring.boot;

import dev.harbor.state.Quadruple;
import dev.harbor.state.StateStore;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Up when the store answers a cheap read: one primary-key lookup of a slot no application uses.
 * Down, with the exception, when the store is closed or its backend does not answer.
 */
final class HarborStateHealthIndicator implements HealthIndicator {

  /** A slot of its own: the read never touches, or waits behind, an application's slot lock. */
  static final Quadruple PROBE = new Quadruple("harbor-state", "health", "probe", "");

  private final StateStore store;

  HarborStateHealthIndicator(StateStore store) {
    this.store = store;
  }

  @Override
  public Health health() {
    try {
      store.find(PROBE, "health");
      return Health.up().withDetail("driver", store.driverName()).build();
    } catch (RuntimeException e) {
      return Health.down(e).build();
    }
  }
}
