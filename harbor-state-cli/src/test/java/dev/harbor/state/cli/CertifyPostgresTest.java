package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class CertifyPostgresTest {

  @Test
  void certify_passesOnPostgres_andDropsItsSchemas() throws Exception {
    int before = certifySchemas();
    Cli.Result r = Cli.run("certify", "--store", TestPostgres.url());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .startsWith("certifying postgres at postgres")
        .doesNotContain("FAIL")
        .containsPattern("certified: (\\d+)/\\1 scenarios passed");
    assertThat(certifySchemas()).as("schemas left behind").isEqualTo(before);
  }

  /** Schemas named like certify's scratch schemas. */
  private static int certifySchemas() throws SQLException {
    try (Connection c = TestPostgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_namespace WHERE nspname ~ '^harbor_certify_[0-9a-f]{16}$'")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
