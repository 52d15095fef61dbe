package dev.harbor.state.bench;

import java.nio.file.Path;

/**
 * Where the benchmarks find each backend; the backends work in their own fresh schema or files
 * there.
 */
public final class BenchLocations {

  /** The default PostgreSQL: the project's test database. */
  public static final String DEFAULT_POSTGRES = "postgres://root@127.0.0.1:5432/test";

  private BenchLocations() {}

  /**
   * The location of a driver's backend.
   *
   * @param driver {@code inmem}, {@code sqlite} or {@code postgres}
   * @return {@code inmem:}; {@code sqlite:} a file in {@code -Dharbor.bench.sqlite.dir} (default:
   *     the temporary directory); PostgreSQL from {@code HARBOR_BENCH_POSTGRES_URL}, else {@code
   *     HARBOR_TEST_POSTGRES_URL}, else {@link #DEFAULT_POSTGRES}
   * @throws IllegalArgumentException for another driver
   */
  public static String of(String driver) {
    return switch (driver) {
      case "inmem" -> "inmem:";
      case "sqlite" ->
          "sqlite:"
              + Path.of(
                      System.getProperty(
                          "harbor.bench.sqlite.dir", System.getProperty("java.io.tmpdir")),
                      "harbor-bench.db")
                  .toAbsolutePath();
      case "postgres" -> postgres();
      default -> throw new IllegalArgumentException("no benchmark location for driver " + driver);
    };
  }

  /**
   * The PostgreSQL location.
   *
   * @return from the environment, else the default
   */
  public static String postgres() {
    String url = System.getenv("HARBOR_BENCH_POSTGRES_URL");
    if (url == null || url.isBlank()) {
      url = System.getenv("HARBOR_TEST_POSTGRES_URL");
    }
    return url == null || url.isBlank() ? DEFAULT_POSTGRES : url;
  }
}
