package dev.harbor.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.spi.StateStoreProvider;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateStoresTest {

  /** Registered through src/test/resources/META-INF/services. */
  public static final class Beta implements StateStoreProvider {
    @Override
    public String name() {
      return "beta";
    }

    @Override
    public StateStore open(StateConfig config) {
      throw new InvalidConfigException("beta opened with " + config.location());
    }
  }

  /** Registered through src/test/resources/META-INF/services. */
  public static final class Alpha implements StateStoreProvider {
    @Override
    public String name() {
      return "alpha";
    }

    @Override
    public StateStore open(StateConfig config) {
      throw new InvalidConfigException("alpha opened with " + config.location());
    }
  }

  @Test
  void registeredDrivers_areDiscoveredAndSorted() {
    assertThat(StateStores.registeredDrivers()).containsExactly("alpha", "beta");
  }

  @Test
  void open_dispatchesToTheProviderNamedByTheScheme() {
    assertThatThrownBy(() -> StateStores.open("beta:somewhere"))
        .hasMessage("beta opened with somewhere");
  }

  @Test
  void unknownDriver_namesTheRegisteredDrivers() {
    assertThatThrownBy(() -> StateStores.open("mysql://x"))
        .isInstanceOf(UnknownDriverException.class)
        .hasMessageContaining("mysql")
        .hasMessageContaining("[alpha, beta]");
  }

  @Test
  void scratch_ofADriverThatMakesNone_isUnsupported() {
    assertThatThrownBy(() -> StateStores.scratch("alpha:somewhere", "test"))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("'alpha'");
    assertThatThrownBy(() -> StateStores.scratch("mysql://x", "test"))
        .isInstanceOf(UnknownDriverException.class);
  }

  @Test
  void scratchNames_carryTheLabelAndAreFresh() {
    String a = ScratchLocation.newName("bench");
    assertThat(a).matches("harbor_bench_[0-9a-f]{16}");
    assertThat(ScratchLocation.newName("bench")).isNotEqualTo(a);
    for (String bad :
        new String[] {"", "Bench", "1x", "a-b", "seventeen_letters", "abcdefghijklmnopq"}) {
      assertThatThrownBy(() -> ScratchLocation.newName(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void twoProvidersWithOneName_failLoudly() {
    assertThatThrownBy(() -> StateStores.index(List.of(new Alpha(), new Beta(), new Alpha())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'alpha'");
  }

  /**
   * Every call sees the same IllegalStateException, never an initializer's Error (CONTRACT 3.6).
   */
  @Test
  void twoProvidersWithOneName_failEveryUseWithIllegalStateException() {
    StateStores.Registry registry =
        new StateStores.Registry(List.of(new Alpha(), new Beta(), new Alpha()));
    for (int use = 0; use < 2; use++) {
      assertThatThrownBy(registry::providers)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("'alpha'");
    }
    assertThat(new StateStores.Registry(List.of(new Alpha(), new Beta())).providers())
        .containsOnlyKeys("alpha", "beta");
  }
}
