package dev.harbor.state.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The slow-call warning every driver attaches for its {@code slowOperation} option. */
class StoreListenerTest {

  private final List<String> warnings = new ArrayList<>();

  private static StoreCall took(Duration duration) {
    return new StoreCall("sqlite", "t/u/s/ note", "save", StoreOutcome.OK, duration, null);
  }

  @Test
  void aCallLongerThanTheThreshold_isWarnedOfOnce_withOperationWhereAndDuration() {
    StoreListener listener = StoreListener.slowCalls(Duration.ofMillis(100), warnings::add);

    listener.called(took(Duration.ofMillis(250)));

    assertThat(warnings)
        .containsExactly(
            "slow call: save on t/u/s/ note took 250 ms (ok; slowOperation is 100 ms)");
  }

  @Test
  void aCallAtOrBelowTheThreshold_isNotWarnedOf() {
    StoreListener listener = StoreListener.slowCalls(Duration.ofMillis(100), warnings::add);

    listener.called(took(Duration.ofMillis(100)));
    listener.called(took(Duration.ofMillis(3)));

    assertThat(warnings).isEmpty();
  }

  @Test
  void zero_turnsTheWarningOff() {
    StoreListener listener = StoreListener.slowCalls(Duration.ZERO, warnings::add);

    listener.called(took(Duration.ofHours(1)));

    assertThat(warnings).isEmpty();
  }

  @Test
  void aNegativeOrMissingThreshold_isRejected() {
    assertThatThrownBy(() -> StoreListener.slowCalls(Duration.ofMillis(-1), warnings::add))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("slowOperation");
    assertThatThrownBy(() -> StoreListener.slowCalls(null, warnings::add))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("slowOperation");
  }
}
