package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class CertifyPostgresTest {

  @Test
  void certify_passesOnPostgres_andDropsItsSchemas() throws Exception {
    try (Postgres pg = Postgres.fresh()) {
      int before = certifySchemas(pg);
      Cli.Result r = Cli.run("certify", "--store", Postgres.URL);
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out())
          .startsWith("certifying postgres at postgres")
          .doesNotContain("FAIL")
          .containsPattern("certified: (\\d+)/\\1 scenarios passed");
      assertThat(certifySchemas(pg)).as("schemas left behind").isEqualTo(before);
    }
  }

  /**
   * Schemas named like certify's, counted through the test's own fresh schema's connection
   * settings.
   */
  private static int certifySchemas(Postgres pg) throws SQLException {
    String jdbc =
        Postgres.URL.startsWith("jdbc:")
            ? Postgres.URL
            : "jdbc:postgresql://" + Postgres.URL.substring(Postgres.URL.indexOf('@') + 1);
    String user =
        Postgres.URL.startsWith("jdbc:")
            ? null
            : Postgres.URL.substring(Postgres.URL.indexOf("//") + 2, Postgres.URL.indexOf('@'))
                .split(":")[0];
    try (Connection c = DriverManager.getConnection(jdbc, user, null);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'harbor\\_certify\\_%'")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
