package dev.harbor.state.postgres;

/**
 * {@link SaveConcurrencyTest} through PgBouncer in transaction pooling mode, with a plain location
 * (issue 14): consecutive transactions of one store connection run on different server connections.
 */
class PgBouncerSaveConcurrencyTest extends SaveConcurrencyTest {

  @Override
  String location(String... options) {
    return Bouncers.location(schema, options);
  }
}
