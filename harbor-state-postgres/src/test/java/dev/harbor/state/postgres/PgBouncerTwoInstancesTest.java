package dev.harbor.state.postgres;

/**
 * {@link TwoInstancesTest} through PgBouncer in transaction pooling mode, with a plain location
 * (issue 14): consecutive transactions of one store connection run on different server connections.
 */
class PgBouncerTwoInstancesTest extends TwoInstancesTest {

  @Override
  String location(String... options) {
    return Bouncers.location(schema, options);
  }
}
