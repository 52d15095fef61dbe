package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CertifyInmemTest {

  @Test
  void certify_passesOnInmem_withASummaryPerGroup() {
    Cli.Result r = Cli.run("certify", "--store", "inmem:");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .startsWith("certifying inmem at inmem:")
        .contains("  PASS  SaveIf", "  PASS  Scan", "  PASS  Lifecycle")
        .doesNotContain("FAIL")
        .containsPattern("certified: (\\d+)/\\1 scenarios passed in \\d+ groups");
  }

  @Test
  void certify_refusesADriverItCannotIsolate() {
    Cli.Result r = Cli.run("certify", "--store", "other:thing");
    assertThat(r.code()).isEqualTo(2);
    // The driver makes the fresh stores; a location no registered driver reads cannot have one.
    assertThat(r.stderr()).contains("'other'", "inmem, postgres, sqlite");
  }
}
