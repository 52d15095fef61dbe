package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.testing.TestPgBouncer;
import dev.harbor.state.testing.TestPostgres;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code certify} through PgBouncer in transaction pooling mode with a plain location and no option
 * (issue 14): before the store kept its settings transaction-local and its statements unprepared
 * behind a pooler, 83 of 140 scenarios failed here ("prepared statement "S_2" already exists").
 */
class CertifyPgBouncerTest {

  private static final String CERTIFY_SCHEMA = "^harbor_certify_[0-9a-f]{16}$";

  @Test
  void certify_passesThroughPgBouncerInTransactionMode_withAPlainLocation() {
    try (TestPgBouncer bouncer = TestPgBouncer.start("transaction")) {
      Set<String> before = TestPostgres.schemas(CERTIFY_SCHEMA);
      String location = bouncer.location();
      assertThat(location).matches("postgres://[^?]+/[^?]+"); // no option at all
      Cli.Result r = Cli.run("certify", "--store", location);
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out())
          .startsWith("certifying postgres at postgres")
          .doesNotContain("FAIL")
          .containsPattern("certified: (\\d+)/\\1 scenarios passed");
      assertThat(TestPostgres.leftBehind(CERTIFY_SCHEMA, before))
          .as("schemas left behind")
          .isEmpty();
    }
  }
}
