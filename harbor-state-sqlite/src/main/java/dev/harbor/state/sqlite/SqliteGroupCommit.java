package dev.harbor.state.sqlite;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.sql.GroupCommit;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;

/**
 * Group commit on SQLite: concurrent single-record writes ({@code save}, {@code delete}, {@code
 * saveIf}, {@code deleteIf}) share one {@code BEGIN IMMEDIATE} transaction and so one WAL sync.
 *
 * <p>Each member's statements run in arrival order inside the group's transaction, exactly the
 * statements it runs alone, so it sees every earlier member's write: two saves of one slot apply in
 * order, a replay of an event id an earlier member wrote is a replay, another content a conflict. A
 * member's own answer (a conflict, a failed condition) is decided before it changes anything, so it
 * is that member's outcome and the others go on. Any SQLite failure (a full disk, a busy file) or a
 * failed {@code COMMIT} rolls the whole transaction back and is every member's outcome: nothing of
 * the group was written, so each caller may retry. A group of one runs as the write would without
 * grouping.
 *
 * <p>Conditional writes keep their semantics here because SQLite has one writer: the group's
 * transaction holds the database's write lock, so a member's check and write see exactly the state
 * the earlier members left, as they would one after another. {@code fenceIf} never joins a group
 * (it runs the caller's action inside its transaction), and neither does {@code saveAll}, which is
 * a batch already.
 */
final class SqliteGroupCommit implements AutoCloseable {

  /** One member's statements, run inside the write transaction (its own or the group's). */
  @FunctionalInterface
  interface Write {
    /**
     * Runs the write's statements on the write connection.
     *
     * @return its result ({@code Boolean.TRUE} for writes without one)
     * @throws SQLException if SQLite fails; the whole transaction is then rolled back
     */
    Object run() throws SQLException;
  }

  /** A write and what it is, for messages. */
  record Named(String operation, Write write) {}

  private final SqliteDatabase db;
  private final GroupCommit<Named> group;

  SqliteGroupCommit(SqliteDatabase db, SqliteSettings settings, StoreContext context) {
    this.db = db;
    this.group =
        new GroupCommit<>(
            settings.groupCommit(), settings.operationTimeout(), context, this::commit);
  }

  /**
   * Runs a write, alone or with others that arrive meanwhile.
   *
   * @param operation what it is, for messages
   * @param write its statements
   * @return its result
   */
  Object write(String operation, Write write) {
    if (db.inWrite()) {
      // A fenced action writing to its own store: the write must fail as it does ungrouped, and
      // must not queue behind a leader that waits for this thread's own transaction.
      return db.write(operation, c -> write.run());
    }
    return Objects.requireNonNull(group.submit(new Named(operation, write)), "a write's result");
  }

  private void commit(List<GroupCommit.Member<Named>> members) {
    // The leader's call, which began when it did, whether or not it waited in the queue first.
    long deadline = members.get(0).deadline();
    if (members.size() == 1) {
      GroupCommit.Member<Named> m = members.get(0);
      m.succeed(db.write(m.write().operation(), deadline, c -> m.write().write().run()));
      return;
    }
    db.writeGroup(
        "a shared commit of " + members.size() + " writes",
        deadline,
        c -> {
          for (GroupCommit.Member<Named> m : members) {
            try {
              m.succeed(m.write().write().run());
            } catch (IdempotencyConflictException
                | ConditionFailedException
                | InvalidRecordException e) {
              m.fail(e); // decided before the member changed anything: the others go on
            }
          }
        });
  }

  /**
   * The group commit itself, for tests that steer a group.
   *
   * @return it
   */
  GroupCommit<Named> group() {
    return group;
  }

  @Override
  public void close() {
    group.close();
  }
}
