package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertifySqliteTest {

  @TempDir Path dir;

  @Test
  void certify_passesOnSqlite_andRemovesItsFiles() throws Exception {
    Path db = dir.resolve("harbor-state.db");
    Cli.Result r = Cli.run("certify", "--store", "sqlite:" + db);
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .startsWith("certifying sqlite at sqlite:")
        .doesNotContain("FAIL")
        .containsPattern("certified: (\\d+)/\\1 scenarios passed");
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).as("certify works in files of its own and removes them").isEmpty();
    }
  }
}
