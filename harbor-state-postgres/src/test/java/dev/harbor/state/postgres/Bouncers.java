package dev.harbor.state.postgres;

import dev.harbor.state.testing.TestPgBouncer;

/**
 * Locations of test schemas through one PgBouncer in transaction pooling mode, shared by the pooler
 * variants of the tests: started on first use, stopped (and its directory removed) when the test
 * JVM exits.
 */
final class Bouncers {

  private Bouncers() {}

  /** The lazily started pooler: the holder idiom makes the start happen once, on first use. */
  private static final class Shared {
    static final TestPgBouncer TRANSACTION_MODE = start();

    private static TestPgBouncer start() {
      TestPgBouncer bouncer = TestPgBouncer.start("transaction");
      Runtime.getRuntime().addShutdownHook(new Thread(bouncer::close, "pgbouncer-stop"));
      return bouncer;
    }
  }

  /**
   * A location of a schema through the shared transaction-mode pooler, with extra options: what an
   * operator writes.
   *
   * @param schema the schema
   * @param options extra {@code name=value} options
   * @return the location
   */
  static String location(String schema, String... options) {
    return location(Shared.TRANSACTION_MODE, schema, options);
  }

  /**
   * A location of a schema through the given pooler (a test that needs its own, or session mode).
   *
   * @param bouncer the pooler
   * @param schema the schema
   * @param options extra {@code name=value} options
   * @return the location
   */
  static String location(TestPgBouncer bouncer, String schema, String... options) {
    String[] all = new String[options.length + 1];
    all[0] = "schema=" + schema;
    System.arraycopy(options, 0, all, 1, options.length);
    return bouncer.location(all);
  }
}
