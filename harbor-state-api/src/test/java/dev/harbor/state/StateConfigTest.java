package dev.harbor.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.spi.Locations;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StateConfigTest {

  @Test
  void inmem() {
    StateConfig c = StateConfig.parse("inmem:");
    assertThat(c.driver()).isEqualTo("inmem");
    assertThat(c.location()).isEmpty();
    assertThat(c.options()).isEmpty();
    assertThat(c.clock()).isEqualTo(Clock.systemUTC());
  }

  @Test
  void sqlitePathAndMemoryAndOptions() {
    assertThat(StateConfig.parse("sqlite:./data/state.db").location()).isEqualTo("./data/state.db");
    assertThat(StateConfig.parse("sqlite::memory:").location()).isEqualTo(":memory:");
    StateConfig c = StateConfig.parse("sqlite:/tmp/x.db?busyTimeout=5s&synchronous=FULL");
    assertThat(c.driver()).isEqualTo("sqlite");
    assertThat(c.location()).isEqualTo("/tmp/x.db");
    assertThat(c.options())
        .containsExactlyInAnyOrderEntriesOf(Map.of("busyTimeout", "5s", "synchronous", "FULL"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "postgres://app:pw@db.example:5432/app?schema=s1&maxPoolSize=4",
        "postgresql://app:pw@db.example:5432/app?schema=s1&maxPoolSize=4",
        "jdbc:postgresql://db.example:5432/app?schema=s1&maxPoolSize=4"
      })
  void postgresForms(String location) {
    StateConfig c = StateConfig.parse(location);
    assertThat(c.driver()).isEqualTo("postgres");
    assertThat(c.location()).isEqualTo(location.substring(0, location.indexOf('?')));
    assertThat(c.options()).containsEntry("schema", "s1").containsEntry("maxPoolSize", "4");
  }

  @Test
  void queryValuesAreUrlDecoded() {
    assertThat(StateConfig.parse("inmem:?a=x%20y%26z").options()).containsEntry("a", "x y&z");
  }

  @Test
  void format_isTheInverseOfParse() {
    Map<String, String> options = Map.of("a", "x y&z=", "schema", "s1", "pass word", "p+w%");
    String location = Locations.format("postgres://app@db:5432/app", options);
    StateConfig c = StateConfig.parse(location);
    assertThat(c.location()).isEqualTo("postgres://app@db:5432/app");
    assertThat(c.options()).isEqualTo(options);
    assertThat(Locations.format("inmem:", Map.of())).isEqualTo("inmem:");
    assertThat(StateConfig.parse(Locations.format("sqlite:/tmp/x.db", Map.of("readers", "8"))))
        .isEqualTo(StateConfig.parse("sqlite:/tmp/x.db?readers=8"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "no-scheme",
        ":nothing",
        "sqlite:x?novalue",
        "sqlite:x?a=1&a=2",
        "sqlite:x?=v",
        "sqlite:x?a=%zz"
      })
  void malformed_isInvalidConfig(String location) {
    assertThatThrownBy(() -> StateConfig.parse(location))
        .isInstanceOf(InvalidConfigException.class);
  }

  @Test
  void nullLocation_isInvalidConfig() {
    assertThatThrownBy(() -> StateConfig.parse(null)).isInstanceOf(InvalidConfigException.class);
  }

  @Test
  void credentialsNeverAppear() {
    StateConfig c =
        StateConfig.parse("postgres://app:s3cret@db:5432/app?password=other&sslpassword=x");
    assertThat(c.toString())
        .doesNotContain("s3cret")
        .doesNotContain("other")
        .contains("db:5432/app");
    assertThatThrownBy(() -> StateConfig.parse("postgres://app:s3cret@db/app?x"))
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void nullDriverMeansInmem_andBuilderAndWithers() {
    Clock clock = Clock.fixed(java.time.Instant.EPOCH, java.time.ZoneOffset.UTC);
    StateConfig c = StateConfig.builder().option("a", "1").clock(clock).build();
    assertThat(c.driver()).isEqualTo("inmem");
    assertThat(c.withOption("b", "2").options()).containsEntry("a", "1").containsEntry("b", "2");
    assertThat(c.withClock(Clock.systemUTC()).clock()).isEqualTo(Clock.systemUTC());
    assertThat(new StateConfig(null, null, null, null).options()).isEmpty();
  }
}
