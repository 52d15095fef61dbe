package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.testing.TestPostgres;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CertifyPostgresTest {

  private static final String CERTIFY_SCHEMA = "^harbor_certify_[0-9a-f]{16}$";

  @Test
  void certify_passesOnPostgres_andDropsItsSchemas() {
    Set<String> before = TestPostgres.schemas(CERTIFY_SCHEMA);
    Cli.Result r = Cli.run("certify", "--store", TestPostgres.url());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .startsWith("certifying postgres at postgres")
        .doesNotContain("FAIL")
        .containsPattern("certified: (\\d+)/\\1 scenarios passed");
    assertThat(TestPostgres.leftBehind(CERTIFY_SCHEMA, before)).as("schemas left behind").isEmpty();
  }
}
