package dev.harbor.state.spi;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** The values the core's tests share. */
final class SpiFixtures {

  static final Quadruple Q = new Quadruple("t", "u", "s", "");

  /** Finer than microseconds, so stamping visibly truncates it. */
  static final Instant NOW = Instant.parse("2030-01-02T03:04:05.123456789Z");

  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private SpiFixtures() {}

  static StateRecord rec(Quadruple q, String kind, String id, int size) {
    return StateRecord.of(EventId.of(id), q, kind, new byte[size]);
  }
}
