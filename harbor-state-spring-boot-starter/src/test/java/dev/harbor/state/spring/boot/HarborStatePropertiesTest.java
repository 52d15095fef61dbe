package dev.harbor.state.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.EventId;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.StoreOption;
import dev.harbor.state.testing.LogCapture;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * How {@code harbor.state.*} binds, as a Spring user expects: IDE metadata for every property,
 * relaxed names for the options, unknown keys and a missing required location refused at start,
 * options for another driver ignored with one WARN line.
 */
class HarborStatePropertiesTest {

  private static final Quadruple Q = new Quadruple("acme", "alice", "s1", "");

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(HarborStateAutoConfiguration.class));

  private final Path dir = TestPools.newDirectory();

  private static final Path DEFAULT_DB = Paths.get("harbor-state.db").toAbsolutePath();

  @AfterEach
  void cleanUp() throws Exception {
    TestPools.deleteRecursively(dir);
  }

  private static StateRecord rec(String id, int size) {
    return StateRecord.of(EventId.of(id), Q, "note", new byte[size]);
  }

  /** The metadata the annotation processor wrote into the starter's jar (not Spring Boot's own). */
  private static JsonNode starterMetadata() throws Exception {
    List<URL> ours = new ArrayList<>();
    for (URL url :
        Collections.list(
            HarborStatePropertiesTest.class
                .getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
      if (url.toString().contains("harbor-state-spring-boot-starter")) {
        ours.add(url);
      }
    }
    assertThat(ours).as("the starter's generated metadata").hasSize(1);
    try (InputStream in = ours.get(0).openStream()) {
      return new ObjectMapper().readTree(in);
    }
  }

  @Test
  void configurationMetadata_describesEveryProperty_withItsDefault() throws Exception {
    Map<String, JsonNode> byName = new HashMap<>();
    for (JsonNode p : starterMetadata().get("properties")) {
      byName.put(p.get("name").asText(), p);
    }
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("harbor.state.location", null);
    defaults.put("harbor.state.options", null);
    defaults.put("harbor.state.fallback", "auto");
    defaults.put("harbor.state.health.timeout", "2s");
    defaults.put("harbor.state.chat.enabled", "true");
    defaults.put("harbor.state.chat.tenant", "default");
    defaults.put("harbor.state.langgraph4j.enabled", "true");
    defaults.put("harbor.state.langgraph4j.tenant", "default");
    defaults.put("harbor.state.adk.enabled", "true");
    defaults.put("harbor.state.adk.tenant", null);
    defaults.forEach(
        (name, value) -> {
          assertThat(byName).as(name).containsKey(name);
          assertThat(byName.get(name).path("description").asText()).as(name).isNotBlank();
          if (value != null) {
            assertThat(byName.get(name).path("defaultValue").asText()).as(name).isEqualTo(value);
          }
        });
    // Every option of every driver, by its relaxed (kebab-case) name, with the driver's meaning,
    // and its default where the drivers agree on one.
    Map<String, List<String>> driversOf = new LinkedHashMap<>();
    Map<String, List<StoreOption>> tables = new LinkedHashMap<>();
    for (String driver : StateStores.registeredDrivers()) {
      for (StoreOption option : StateStores.options(driver)) {
        driversOf.computeIfAbsent(option.name(), k -> new ArrayList<>()).add(driver);
        tables.computeIfAbsent(option.name(), k -> new ArrayList<>()).add(option);
      }
    }
    assertThat(driversOf).containsKeys("operationTimeout", "readers", "schema");
    tables.forEach(
        (name, options) -> {
          String key = "harbor.state.options." + name.replaceAll("([A-Z])", "-$1").toLowerCase();
          assertThat(byName).as(key).containsKey(key);
          String description = byName.get(key).path("description").asText();
          for (StoreOption option : options) {
            assertThat(description).as(key).contains(option.meaning());
          }
          for (String driver : driversOf.get(name)) {
            assertThat(description).as(key).contains(driver);
          }
          if (options.stream().map(StoreOption::defaultValue).distinct().count() == 1) {
            assertThat(byName.get(key).path("defaultValue").asText())
                .as(key)
                .isEqualTo(options.get(0).defaultValue());
          }
        });
  }

  @Test
  void options_bindRelaxed_inKebabCase() {
    Path file = dir.resolve("kebab.db");
    runner
        .withPropertyValues(
            "harbor.state.location=sqlite:" + file,
            "harbor.state.options.operation-timeout=5s",
            "harbor.state.options.max-payload-bytes=1KiB")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              StateStore store = context.getBean(StateStore.class);
              store.save(rec("e1", 10));
              assertThatThrownBy(() -> store.save(rec("e2", 2048)))
                  .isInstanceOf(InvalidRecordException.class);
            });
  }

  @Test
  void options_bindFromEnvironmentVariables() {
    Path file = dir.resolve("env.db");
    Map<String, Object> env = new HashMap<>();
    env.put("HARBOR_STATE_LOCATION", "sqlite:" + file);
    env.put("HARBOR_STATE_OPTIONS_OPERATIONTIMEOUT", "5s");
    env.put("HARBOR_STATE_OPTIONS_MAXPAYLOADBYTES", "1KiB");
    env.put("HARBOR_STATE_OPTIONS_BUSY_TIMEOUT", "2s");
    withEnvironment(env)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              StateStore store = context.getBean(StateStore.class);
              assertThat(store.toString()).contains(file.toString());
              store.save(rec("e1", 10));
              assertThatThrownBy(() -> store.save(rec("e2", 2048)))
                  .isInstanceOf(InvalidRecordException.class);
            });
  }

  private ApplicationContextRunner withEnvironment(Map<String, Object> env) {
    return runner.withInitializer(
        context ->
            context
                .getEnvironment()
                .getPropertySources()
                .addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment", env)));
  }

  /** As Spring users expect: an environment variable overrides the same option in a file. */
  @Test
  void anEnvironmentVariable_overridesTheFilesSpellingOfTheOption() {
    withEnvironment(Map.of("HARBOR_STATE_OPTIONS_MAXPAYLOADBYTES", "1KiB"))
        .withPropertyValues(
            "harbor.state.location=sqlite:" + dir.resolve("override.db"),
            "harbor.state.options.maxPayloadBytes=1MiB")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              StateStore store = context.getBean(StateStore.class);
              assertThatThrownBy(() -> store.save(rec("e2", 2048)))
                  .isInstanceOf(InvalidRecordException.class);
            });
  }

  /**
   * {@code HARBOR_STATE_OPTIONS_MAX_PAYLOAD_BYTES} binds as {@code max.payload.bytes}, a key of its
   * own to Spring: beside another spelling with another value, the start fails naming both rather
   * than pick one silently.
   */
  @Test
  void twoSpellingsOfOneOption_withDifferentValues_failTheStart() {
    withEnvironment(Map.of("HARBOR_STATE_OPTIONS_MAX_PAYLOAD_BYTES", "1KiB"))
        .withPropertyValues(
            "harbor.state.location=inmem:", "harbor.state.options.maxPayloadBytes=1MiB")
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(TestPools.messages(context.getStartupFailure()))
                  .contains("max.payload.bytes")
                  .contains("maxPayloadBytes");
            });
  }

  @Test
  void anUnknownKey_failsTheStart_namingIt_andOpensNothing() {
    assertThat(DEFAULT_DB).as("left by an earlier run").doesNotExist();
    runner
        .withPropertyValues("harbor.state.locaton=sqlite:" + dir.resolve("typo.db"))
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(TestPools.messages(context.getStartupFailure()))
                  .contains("harbor.state.locaton");
            });
    assertThat(DEFAULT_DB).as("no silent fallback").doesNotExist();
    assertThat(dir.resolve("typo.db")).doesNotExist();
  }

  /** The environment counts too: a misspelled variable is as wrong as a misspelled key. */
  @Test
  void anUnknownEnvironmentVariable_failsTheStart_namingItsKey() {
    withEnvironment(Map.of("HARBOR_STATE_LOCATON", "sqlite:" + dir.resolve("typo.db")))
        .withPropertyValues("harbor.state.location=inmem:")
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(TestPools.messages(context.getStartupFailure()))
                  .contains("harbor.state.locaton");
            });
  }

  @Test
  void fallbackNone_withoutALocation_failsTheStart_evenWithADataSource() {
    assertThat(DEFAULT_DB).as("left by an earlier run").doesNotExist();
    runner
        .withPropertyValues("harbor.state.fallback=none")
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(TestPools.messages(context.getStartupFailure()))
                  .contains("harbor.state.location");
            });
    HikariDataSource pool = TestPools.postgresPool(true, "");
    try (pool) {
      runner
          .withBean("dataSource", DataSource.class, () -> pool, bd -> bd.setDestroyMethodName(""))
          .withPropertyValues("harbor.state.fallback=none")
          .run(context -> assertThat(context).hasFailed());
    }
    assertThat(DEFAULT_DB).doesNotExist();
  }

  @Test
  void fallbackNone_withALocation_opensIt() {
    runner
        .withPropertyValues("harbor.state.fallback=none", "harbor.state.location=inmem:")
        .run(
            context ->
                assertThat(context.getBean(StateStore.class).driverName()).isEqualTo("inmem"));
  }

  /**
   * One set of options for a dev profile on SQLite and a prod profile on PostgreSQL: the options
   * only another driver documents are left out, with one WARN line naming them.
   */
  @Test
  void optionsOfAnotherDriver_areIgnored_withOneWarning() {
    Path file = dir.resolve("profiles.db");
    try (LogCapture log = new LogCapture("dev.harbor.state.spring.boot")) {
      runner
          .withPropertyValues(
              "harbor.state.location=sqlite:" + file,
              "harbor.state.options.schema=agents",
              "harbor.state.options.max-pool-size=5",
              "harbor.state.options.readers=2")
          .run(
              context -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(StateStore.class).driverName()).isEqualTo("sqlite");
              });
      List<String> warnings = log.lines(Level.WARN);
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0)).contains("schema", "maxPoolSize", "sqlite");
      assertThat(warnings.get(0)).doesNotContain("readers");
    }
  }

  @Test
  void anOptionNoDriverKnows_stillFailsTheStart() {
    runner
        .withPropertyValues(
            "harbor.state.location=sqlite:" + dir.resolve("typo.db"),
            "harbor.state.options.opertionTimeout=5s")
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(TestPools.messages(context.getStartupFailure()))
                  .contains("opertionTimeout");
            });
  }

  @Test
  void anOwnStoreBean_needsNoLocation_evenWithFallbackNone() {
    StateStore own = StateStores.open("inmem:");
    runner
        .withBean(StateStore.class, () -> own)
        .withPropertyValues("harbor.state.fallback=none")
        .run(context -> assertThat(context.getBean(StateStore.class)).isSameAs(own));
    assertThat(Files.exists(DEFAULT_DB)).isFalse();
  }
}
