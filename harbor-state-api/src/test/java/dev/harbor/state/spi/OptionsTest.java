package dev.harbor.state.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OptionsTest {

  private static final StoreOption MODE = new StoreOption("mode", "apply", "what to do");
  private static final StoreOption SIZE = new StoreOption("poolSize", "10", "how many");
  private static final StoreOption SECRET = new StoreOption("password", "", "secret");
  private static final List<StoreOption> TABLE =
      List.of(StoreOption.MAX_PAYLOAD_BYTES, StoreOption.OPERATION_TIMEOUT, MODE, SIZE, SECRET);

  private static Options parse(String location) {
    return Options.of(StateConfig.parse(location), TABLE);
  }

  @Test
  void defaults() {
    Options o = parse("x:");
    assertThat(o.maxPayloadBytes()).isEqualTo(16 * 1024 * 1024);
    assertThat(o.operationTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.choice(MODE, Set.of("apply", "verify"))).isEqualTo("apply");
    assertThat(o.integer(SIZE, 1, 100)).isEqualTo(10);
  }

  @Test
  void parsedValues() {
    Options o = parse("x:?maxPayloadBytes=2KiB&operationTimeout=250ms&mode=VERIFY&poolSize=3");
    assertThat(o.maxPayloadBytes()).isEqualTo(2048);
    assertThat(o.operationTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(o.choice(MODE, Set.of("apply", "verify"))).isEqualTo("verify");
    assertThat(o.integer(SIZE, 1, 100)).isEqualTo(3);
    assertThat(parse("x:?operationTimeout=PT2M").operationTimeout())
        .isEqualTo(Duration.ofMinutes(2));
    assertThat(parse("x:?operationTimeout=5m").operationTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(parse("x:?operationTimeout=1500").operationTimeout())
        .isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void badValues_nameTheOptionAndTheExpectedForm() {
    assertThatThrownBy(() -> parse("x:?poolSize=abc").integer(SIZE, 1, 100))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("poolSize")
        .hasMessageContaining("1 to 100");
    assertThatThrownBy(() -> parse("x:?poolSize=0").integer(SIZE, 1, 100))
        .isInstanceOf(InvalidConfigException.class);
    assertThatThrownBy(() -> parse("x:?operationTimeout=soon").operationTimeout())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("operationTimeout");
    assertThatThrownBy(() -> parse("x:?operationTimeout=0").operationTimeout())
        .isInstanceOf(InvalidConfigException.class);
    assertThatThrownBy(() -> parse("x:?maxPayloadBytes=2TiB").maxPayloadBytes())
        .isInstanceOf(InvalidConfigException.class);
    assertThatThrownBy(() -> parse("x:?mode=maybe").choice(MODE, Set.of("apply", "verify")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("apply, verify");
  }

  @Test
  void unknownOption_isRejected_unlessPassedThrough() {
    assertThatThrownBy(() -> parse("x:?bogus=1"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("bogus")
        .hasMessageContaining("poolSize");
    Options o = Options.withPassThrough(StateConfig.parse("x:?bogus=1&poolSize=2"), TABLE);
    assertThat(o.passThrough()).containsOnlyKeys("bogus");
  }

  @Test
  void secretValues_neverAppearInMessages() {
    StoreOption secretNumber = new StoreOption("password", "", "");
    assertThatThrownBy(() -> parse("x:?password=hunter2").integer(secretNumber, 1, 2))
        .hasMessageNotContaining("hunter2");
  }
}
