package dev.harbor.state.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.EventId;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.micrometer.HarborStateMetrics;
import dev.harbor.state.testing.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The starter, one context per case: each way the store is chosen, and what comes with it. */
class HarborStateAutoConfigurationTest {

  private static final Quadruple Q = new Quadruple("acme", "alice", "s1", "");

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(HarborStateAutoConfiguration.class));

  private final Path dir = newDirectory();

  private @org.jspecify.annotations.Nullable String schema;

  private static Path newDirectory() {
    try {
      return Files.createTempDirectory("harbor-starter-test");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterEach
  void cleanUp() throws Exception {
    deleteRecursively(dir);
    if (schema != null) {
      TestPostgres.dropSchema(schema);
    }
  }

  private static StateRecord rec(String id, int size) {
    return StateRecord.of(EventId.of(id), Q, "note", new byte[size]);
  }

  @Test
  void anExplicitLocation_opensThatStore_withTheOptionsProperties() {
    Path file = dir.resolve("explicit.db");
    runner
        .withPropertyValues(
            "harbor.state.location=sqlite:" + file, "harbor.state.options.maxPayloadBytes=1KiB")
        .run(
            context -> {
              StateStore store = context.getBean(StateStore.class);
              assertThat(store.driverName()).isEqualTo("sqlite");
              store.save(rec("e1", 10));
              assertThatThrownBy(() -> store.save(rec("e2", 2048)))
                  .isInstanceOf(InvalidRecordException.class);
              assertThat(Files.exists(file)).isTrue();
            });
  }

  @Test
  void aLocation_winsOverTheApplicationsDataSource() {
    HikariDataSource pool = postgresPool(true);
    try (pool) {
      runner
          .withBean(DataSource.class, () -> pool)
          .withPropertyValues("harbor.state.location=inmem:")
          .run(
              context ->
                  assertThat(context.getBean(StateStore.class).driverName()).isEqualTo("inmem"));
    }
  }

  @Test
  void noLocation_andAPostgresDataSourceWithAutoCommitOff_usesThatPool() throws Exception {
    schema = TestPostgres.newSchemaName("harbor_starter");
    HikariDataSource pool = postgresPool(false);
    try (pool) {
      AtomicReference<StateStore> opened = new AtomicReference<>();
      runner
          // As an application's DataSource bean, but one the context does not close itself.
          .withBean("dataSource", DataSource.class, () -> pool, bd -> bd.setDestroyMethodName(""))
          .withPropertyValues("harbor.state.options.schema=" + schema)
          .run(
              context -> {
                StateStore store = context.getBean(StateStore.class);
                opened.set(store);
                assertThat(store.driverName()).isEqualTo("postgres");
                store.save(
                    StateRecord.of(
                        EventId.of("e1"), Q, "note", "hi".getBytes(StandardCharsets.UTF_8)));
              });
      // Committed although the pool lends connections with autoCommit=false.
      try (Connection c = TestPostgres.connect();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery("SELECT count(*) FROM \"" + schema + "\".harbor_state_records")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
      assertThatThrownBy(() -> opened.get().find(Q, "note"))
          .as("closed with the context")
          .isInstanceOf(StoreClosedException.class);
      assertThat(pool.isClosed()).as("the application's pool is the application's").isFalse();
      try (Connection c = pool.getConnection()) {
        assertThat(c.getAutoCommit()).isFalse();
      }
    }
  }

  @Test
  void noLocation_andNoDataSource_usesSqliteAtTheDefaultPath() throws Exception {
    Path db = Paths.get("harbor-state.db").toAbsolutePath();
    assertThat(db).as("left by an earlier run").doesNotExist();
    try {
      runner.run(
          context -> {
            StateStore store = context.getBean(StateStore.class);
            assertThat(store.driverName()).isEqualTo("sqlite");
            assertThat(store.toString()).contains(db.toString());
          });
      assertThat(db).exists();
    } finally {
      for (String suffix : new String[] {"", "-wal", "-shm"}) {
        Files.deleteIfExists(Paths.get(db + suffix));
      }
    }
  }

  @Test
  void theStore_closesWithTheContext() {
    AtomicReference<StateStore> opened = new AtomicReference<>();
    runner
        .withPropertyValues("harbor.state.location=inmem:")
        .run(context -> opened.set(context.getBean(StateStore.class)));
    assertThatThrownBy(() -> opened.get().find(Q, "note")).isInstanceOf(StoreClosedException.class);
  }

  @Test
  void theHealthIndicator_isUpWhileTheStoreAnswers_andDownOnceItIsClosed() {
    runner
        .withPropertyValues("harbor.state.location=inmem:")
        .run(
            context -> {
              HealthIndicator health =
                  context.getBean("harborStateHealthIndicator", HealthIndicator.class);
              assertThat(health.health().getStatus()).isEqualTo(Status.UP);
              assertThat(health.health().getDetails()).containsEntry("driver", "inmem");
              context.getBean(StateStore.class).close();
              assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
            });
  }

  /**
   * SPEC 9.5: the health details and a failed start never show the location's password or its
   * sslpassword, whatever reserved characters they hold, raw or percent-encoded.
   */
  @Test
  void healthDetailsAndStartupFailures_neverShowThePassword() {
    String server = TestPostgres.url();
    int at = server.indexOf('@');
    schema = TestPostgres.newSchemaName("harbor_starter_secret");
    for (String p : List.of("pa#ss/w?rd@x%y", "s3cr@t:&=+ z", "se/cret?q=1")) {
      String e = java.net.URLEncoder.encode(p, StandardCharsets.UTF_8).replace("+", "%20");
      String up =
          server.substring(0, at)
              + ":"
              + e
              + "@"
              + server.substring(at + 1)
              + "?schema="
              + schema
              + "&sslmode=disable&sslpassword="
              + e;
      runner
          .withPropertyValues("harbor.state.location=" + up)
          .run(
              context -> {
                HealthIndicator health =
                    context.getBean("harborStateHealthIndicator", HealthIndicator.class);
                String shown = health.health().toString();
                context.getBean(StateStore.class).close();
                shown += health.health().toString();
                assertThat(shown)
                    .contains("UP")
                    .contains("DOWN")
                    .doesNotContain(p)
                    .doesNotContain(e);
              });
      String down = server.substring(0, at) + ":" + p + "@127.0.0.1:1/test?connectTimeout=1s";
      runner
          .withPropertyValues("harbor.state.location=" + down)
          .run(
              context -> {
                assertThat(context).hasFailed();
                StringBuilder messages = new StringBuilder();
                for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                  messages.append(t).append('\n');
                }
                assertThat(messages.toString()).doesNotContain(p);
              });
    }
  }

  @Test
  void aMeterRegistry_getsTheStoresTimers() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    runner
        .withBean(SimpleMeterRegistry.class, () -> registry)
        .withPropertyValues("harbor.state.location=inmem:")
        .run(
            context -> {
              StateStore store = context.getBean(StateStore.class);
              store.save(rec("e1", 3));
              assertThat(
                      registry
                          .get(HarborStateMetrics.CALLS)
                          .tags("driver", "inmem", "operation", "save", "outcome", "ok")
                          .timer()
                          .count())
                  .isEqualTo(1);
            });
  }

  @Test
  void anApplicationsOwnStore_isLeftAlone() {
    StateStore own = dev.harbor.state.StateStores.open("inmem:");
    runner
        .withBean(StateStore.class, () -> own)
        .withPropertyValues("harbor.state.location=sqlite:" + dir.resolve("unused.db"))
        .run(
            context -> {
              assertThat(context).hasSingleBean(StateStore.class);
              assertThat(context.getBean(StateStore.class)).isSameAs(own);
            });
    assertThat(dir.resolve("unused.db")).doesNotExist();
  }

  /**
   * A pool the application owns, over the test database
   * (postgres://user[:password]@host[:port]/db).
   */
  private static HikariDataSource postgresPool(boolean autoCommit) {
    TestPostgres.ensureReachable();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "postgres(?:ql)?://([^:@/]+)(?::([^@/]*))?@([^/?]+)/([^?]+).*")
            .matcher(TestPostgres.url());
    assertThat(m.matches()).as("a postgres:// test URL").isTrue();
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl("jdbc:postgresql://" + m.group(3) + "/" + m.group(4));
    hc.setUsername(java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
    if (m.group(2) != null) {
      hc.setPassword(java.net.URLDecoder.decode(m.group(2), StandardCharsets.UTF_8));
    }
    hc.setMaximumPoolSize(4);
    hc.setAutoCommit(autoCommit);
    return new HikariDataSource(hc);
  }

  private static void deleteRecursively(Path root) throws java.io.IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
