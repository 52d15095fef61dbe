package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.InvalidConfigException;
import org.junit.jupiter.api.Test;

class PgLocationTest {

  @Test
  void postgresUrl_splitsCredentialsFromTheJdbcUrl() {
    PgLocation l = PgLocation.parse("postgres://app:s%40cret@db.example:6543/state");
    assertThat(l.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/state");
    assertThat(l.user()).isEqualTo("app");
    assertThat(l.password()).isEqualTo("s@cret");
    assertThat(l.describe()).isEqualTo("host db.example:6543, database state");
    assertThat(l.toString()).doesNotContain("s@cret");
  }

  @Test
  void postgresqlScheme_withoutUserOrPort() {
    PgLocation l = PgLocation.parse("postgresql://localhost/db");
    assertThat(l.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost/db");
    assertThat(l.user()).isNull();
    assertThat(l.password()).isNull();
  }

  @Test
  void multiHost_passesThrough() {
    PgLocation l = PgLocation.parse("postgres://u@db1:5432,db2:5433/app");
    assertThat(l.jdbcUrl()).isEqualTo("jdbc:postgresql://db1:5432,db2:5433/app");
    assertThat(l.hosts()).isEqualTo("db1:5432,db2:5433");
  }

  @Test
  void jdbcUrl_passesThroughUnchanged() {
    PgLocation l = PgLocation.parse("jdbc:postgresql://db1:5432,db2:5433/app");
    assertThat(l.jdbcUrl()).isEqualTo("jdbc:postgresql://db1:5432,db2:5433/app");
    assertThat(l.describe()).isEqualTo("host db1:5432,db2:5433, database app");
  }

  @Test
  void otherSchemes_areRejectedWithoutThePassword() {
    assertThatThrownBy(() -> PgLocation.parse("mysql://u:topsecret@h/db"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageNotContaining("topsecret");
  }
}
