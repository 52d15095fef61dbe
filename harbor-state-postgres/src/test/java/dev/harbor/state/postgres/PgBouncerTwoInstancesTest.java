package dev.harbor.state.postgres;

import dev.harbor.state.testing.TestPgBouncer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link TwoInstancesTest} through PgBouncer in transaction pooling mode, with a plain location
 * (issue 14): consecutive transactions of one store connection run on different server connections.
 */
class PgBouncerTwoInstancesTest extends TwoInstancesTest {

  private static TestPgBouncer bouncer;

  @BeforeAll
  static void startBouncer() {
    bouncer = TestPgBouncer.start("transaction");
  }

  @AfterAll
  static void stopBouncer() {
    if (bouncer != null) {
      bouncer.close();
    }
  }

  @Override
  String location(String... options) {
    return Bouncers.location(bouncer, schema, options);
  }
}
