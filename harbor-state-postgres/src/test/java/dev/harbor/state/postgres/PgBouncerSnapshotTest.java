package dev.harbor.state.postgres;

/**
 * {@link PgSnapshotTest} through PgBouncer in transaction pooling mode: a snapshot is one
 * transaction, which the pooler keeps on one server connection.
 */
class PgBouncerSnapshotTest extends PgSnapshotTest {

  @Override
  String location(String... options) {
    return Bouncers.location(schema, options);
  }
}
