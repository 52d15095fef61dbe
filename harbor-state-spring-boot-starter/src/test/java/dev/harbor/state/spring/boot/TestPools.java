package dev.harbor.state.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.testing.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Pools an application would own, over the test database, and temporary directories. */
final class TestPools {

  private TestPools() {}

  /**
   * A pool over the test database (postgres://user[:password]@host[:port]/db), its JDBC URL given
   * the extra query {@code jdbcQuery} (such as {@code currentSchema=x}), or none when empty.
   */
  static HikariDataSource postgresPool(boolean autoCommit, String jdbcQuery) {
    TestPostgres.ensureReachable();
    Matcher m =
        Pattern.compile("postgres(?:ql)?://([^:@/]+)(?::([^@/]*))?@([^/?]+)/([^?]+).*")
            .matcher(TestPostgres.url());
    assertThat(m.matches()).as("a postgres:// test URL").isTrue();
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(
        "jdbc:postgresql://"
            + m.group(3)
            + "/"
            + m.group(4)
            + (jdbcQuery.isEmpty() ? "" : "?" + jdbcQuery));
    hc.setUsername(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
    if (m.group(2) != null) {
      hc.setPassword(URLDecoder.decode(m.group(2), StandardCharsets.UTF_8));
    }
    hc.setMaximumPoolSize(4);
    hc.setAutoCommit(autoCommit);
    return new HikariDataSource(hc);
  }

  static Path newDirectory() {
    try {
      return Files.createTempDirectory("harbor-starter-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Every message of a failure and its causes, one per line. */
  static String messages(Throwable failure) {
    StringBuilder messages = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      messages.append(t).append('\n');
    }
    return messages.toString();
  }
}
