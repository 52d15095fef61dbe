package dev.harbor.state.postgres;

import dev.harbor.state.testing.TestPgBouncer;

/** The location of a test schema through a PgBouncer, for the pooler variants of the tests. */
final class Bouncers {

  private Bouncers() {}

  /**
   * A location of a schema through the pooler, with extra options: what an operator writes.
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
