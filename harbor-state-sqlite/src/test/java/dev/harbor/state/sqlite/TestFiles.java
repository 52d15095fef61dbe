package dev.harbor.state.sqlite;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories and direct connections for the driver's tests. */
final class TestFiles {

  private TestFiles() {}

  static Path newDirectory(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static StateStore open(Path file) {
    return StateStores.open(
        StateConfig.builder().driver("sqlite").location(file.toString()).build());
  }

  static StateStore open(Path file, String option, String value) {
    return StateStores.open(
        StateConfig.builder()
            .driver("sqlite")
            .location(file.toString())
            .option(option, value)
            .build());
  }

  /**
   * A plain JDBC connection to the file, for inspecting or tampering with it behind the store's
   * back.
   */
  static Connection jdbc(Path file) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + file);
  }

  /**
   * SQLite's plan of a statement, one line per step ({@code EXPLAIN QUERY PLAN}'s detail column),
   * its parameters bound to null: the plan does not depend on their values.
   */
  static String queryPlan(Connection c, String sql) throws SQLException {
    StringBuilder out = new StringBuilder();
    try (PreparedStatement p = c.prepareStatement("EXPLAIN QUERY PLAN " + sql)) {
      int n = p.getParameterMetaData().getParameterCount();
      for (int i = 1; i <= n; i++) {
        p.setObject(i, null);
      }
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.append(rs.getString(4)).append('\n');
        }
      }
    }
    return out.toString();
  }
}
