package dev.harbor.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
  void twoProvidersWithOneName_failLoudly() {
    assertThatThrownBy(() -> StateStores.index(List.of(new Alpha(), new Beta(), new Alpha())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'alpha'");
  }
}
