package dev.harbor.state.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.spi.ScratchLocation;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * pgbench connects as the store does (SPEC 9.5): the location's TLS settings reach it through
 * libpq's environment, or bench refuses to run it; the password never goes on its command line.
 */
class PgbenchTlsTest {

  /** A scratch with a URL and the given pgjdbc properties. */
  private static ScratchLocation scratch(String url, Map<String, String> properties) {
    return new ScratchLocation() {
      @Override
      public String location() {
        return "postgres://app@db/app";
      }

      @Override
      public Optional<String> jdbcUrl() {
        return Optional.of(url);
      }

      @Override
      public Properties jdbcProperties() {
        Properties p = new Properties();
        p.putAll(properties);
        p.setProperty("currentSchema", "bench_x");
        return p;
      }

      @Override
      public String describe() {
        return "scratch";
      }

      @Override
      public void close() {}
    };
  }

  @Test
  void theLocationsTlsSettings_reachPgbenchThroughLibpqsEnvironment() {
    Pgbench pgbench =
        Pgbench.of(
                Path.of("/usr/bin/pgbench"),
                scratch(
                    "jdbc:postgresql://db:5432/app",
                    Map.of(
                        "user", "app",
                        "password", "s3cret",
                        "sslmode", "verify-full",
                        "sslrootcert", "/etc/ca.pem",
                        "sslcert", "/etc/client.pem",
                        "sslkey", "/etc/client.key")))
            .orElseThrow();
    assertThat(pgbench.environment())
        .containsEntry("PGSSLMODE", "verify-full")
        .containsEntry("PGSSLROOTCERT", "/etc/ca.pem")
        .containsEntry("PGSSLCERT", "/etc/client.pem")
        .containsEntry("PGSSLKEY", "/etc/client.key")
        .containsEntry("PGPASSWORD", "s3cret");
  }

  @Test
  void pgjdbcsSslTrue_isVerifyFull() {
    Pgbench pgbench =
        Pgbench.of(
                Path.of("/usr/bin/pgbench"),
                scratch("jdbc:postgresql://db/app", Map.of("ssl", "true")))
            .orElseThrow();
    assertThat(pgbench.environment()).containsEntry("PGSSLMODE", "verify-full");
  }

  @Test
  void aSettingLibpqCannotTakeFromTheEnvironment_refusesPgbench() {
    for (Map<String, String> props :
        java.util.List.of(
            Map.of("sslmode", "require", "sslpassword", "k3y"),
            Map.of("sslfactory", "org.postgresql.ssl.NonValidatingFactory"),
            Map.of("sslhostnameverifier", "x.Y"))) {
      assertThatThrownBy(
              () ->
                  Pgbench.of(
                      Path.of("/usr/bin/pgbench"), scratch("jdbc:postgresql://db/app", props)))
          .as(props.toString())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("--no-pgbench")
          .hasMessageNotContaining("k3y");
    }
    assertThatThrownBy(
            () ->
                Pgbench.of(
                    Path.of("/usr/bin/pgbench"),
                    scratch("jdbc:postgresql://db/app?password=x", Map.of())))
        .isInstanceOf(IllegalStateException.class);
  }
}
