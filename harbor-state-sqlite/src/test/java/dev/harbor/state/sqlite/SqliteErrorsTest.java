package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.sql.ErrorOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The result-code table of {@link SqliteErrors}, one case per row, and real SQLite failures going
 * through it.
 */
class SqliteErrorsTest {

  private final SqliteErrors errors =
      new SqliteErrors("/data/x.db", new StoreContext("sqlite", 10, Clock.systemUTC()));
  private final Path dir = TestFiles.newDirectory("harbor-sqlite-errors");

  @AfterEach
  void cleanUp() {
    TestFiles.deleteRecursively(dir);
  }

  enum Expect {
    TRANSIENT,
    PERMANENT,
    CONFLICT,
    UNKNOWN
  }

  /** Every row of the table, and extended codes that must fall into their primary code's row. */
  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of(SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE, Expect.CONFLICT),
        Arguments.of(SQLiteErrorCode.SQLITE_IOERR_NOMEM, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_BUSY, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_BUSY_SNAPSHOT, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_BUSY_RECOVERY, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_BUSY_TIMEOUT, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_LOCKED, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_LOCKED_SHAREDCACHE, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_NOMEM, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_INTERRUPT, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_ABORT, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_ABORT_ROLLBACK, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_PROTOCOL, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_SCHEMA, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_CONSTRAINT, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_CONSTRAINT_NOTNULL, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_FULL, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_IOERR, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_IOERR_FSYNC, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_IOERR_WRITE, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_CORRUPT, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_CORRUPT_INDEX, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_NOTADB, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_CANTOPEN, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_CANTOPEN_ISDIR, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_READONLY, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_READONLY_DBMOVED, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_PERM, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_TOOBIG, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_ERROR, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_MISUSE, Expect.PERMANENT),
        // Not in the table: permanent by default.
        Arguments.of(SQLiteErrorCode.SQLITE_MISMATCH, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.UNKNOWN_ERROR, Expect.PERMANENT));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("rows")
  void resultCode_mapsToItsContractException_withTheSqlExceptionAsCause(
      SQLiteErrorCode code, Expect expect) {
    SQLiteException cause = new SQLiteException("[" + code.name() + "] test", code);
    StateStoreException mapped = errors.map(cause, "save");
    assertThat(mapped.getCause()).isSameAs(cause);
    assertThat(mapped.getMessage()).contains("save").contains("/data/x.db");
    switch (expect) {
      case CONFLICT -> assertThat(mapped).isInstanceOf(IdempotencyConflictException.class);
      case TRANSIENT ->
          assertThat(mapped)
              .isInstanceOfSatisfying(
                  StorageException.class, e -> assertThat(e.isTransient()).isTrue());
      case PERMANENT ->
          assertThat(mapped)
              .isInstanceOfSatisfying(
                  StorageException.class, e -> assertThat(e.isTransient()).isFalse());
      case UNKNOWN -> throw new IllegalArgumentException("map never answers unknown");
    }
  }

  /**
   * A failed {@code COMMIT}: nothing changed only where SQLite fails before it writes the commit
   * frame (issue 23 defect 8: a failed fsync was reported as "nothing changed", yet WAL recovery
   * replayed the write after a crash).
   */
  static Stream<Arguments> commitRows() {
    return Stream.of(
        Arguments.of(SQLiteErrorCode.SQLITE_BUSY, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_BUSY_SNAPSHOT, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_LOCKED, Expect.TRANSIENT),
        Arguments.of(SQLiteErrorCode.SQLITE_FULL, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_IOERR_WRITE, Expect.PERMANENT),
        Arguments.of(SQLiteErrorCode.SQLITE_IOERR_FSYNC, Expect.UNKNOWN),
        Arguments.of(SQLiteErrorCode.SQLITE_IOERR, Expect.UNKNOWN),
        Arguments.of(SQLiteErrorCode.SQLITE_IOERR_SHMSIZE, Expect.UNKNOWN),
        Arguments.of(SQLiteErrorCode.SQLITE_NOMEM, Expect.UNKNOWN),
        Arguments.of(SQLiteErrorCode.SQLITE_CORRUPT, Expect.UNKNOWN));
  }

  @ParameterizedTest(name = "COMMIT {0} -> {1}")
  @MethodSource("commitRows")
  void aFailedCommit_isUnknownUnlessSqliteFailedBeforeWritingTheCommitFrame(
      SQLiteErrorCode code, Expect expect) {
    SQLiteException cause = new SQLiteException("[" + code.name() + "] test", code);
    StateStoreException mapped = errors.mapCommit(cause, "save");
    assertThat(mapped.getCause()).isSameAs(cause);
    assertThat(mapped.getMessage()).contains("save").contains("/data/x.db");
    switch (expect) {
      case UNKNOWN -> assertThat(mapped).isInstanceOf(CommitOutcomeUnknownException.class);
      case TRANSIENT, PERMANENT ->
          assertThat(mapped)
              .isNotInstanceOf(CommitOutcomeUnknownException.class)
              .isInstanceOfSatisfying(
                  StorageException.class,
                  e -> assertThat(e.isTransient()).isEqualTo(expect == Expect.TRANSIENT));
      default -> throw new IllegalArgumentException(expect.name());
    }
  }

  @Test
  void everyCodeOfACommitThatWroteNothing_isCovered() {
    List<SQLiteErrorCode> covered = commitRows().map(a -> (SQLiteErrorCode) a.get()[0]).toList();
    assertThat(covered).containsAll(SqliteErrors.COMMIT_NOTHING_WRITTEN);
  }

  @Test
  void aCommitThatNeverReachedSqlite_changedNothing() {
    SQLException cause = new SQLException("statement is not executing");
    assertThat(errors.mapCommit(cause, "save"))
        .isNotInstanceOf(CommitOutcomeUnknownException.class)
        .isInstanceOf(StorageException.class);
  }

  @Test
  void everyRowOfTheTable_isCovered() {
    List<SQLiteErrorCode> covered = rows().map(a -> (SQLiteErrorCode) a.get()[0]).toList();
    assertThat(covered)
        .containsAll(SqliteErrors.TABLE.stream().map(SqliteErrors.Row::code).toList());
  }

  @Test
  void extendedRows_winOverPrimaryRows() {
    assertThat(SqliteErrors.row(new SQLiteException("x", SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE)))
        .hasValueSatisfying(
            r -> assertThat(r.outcome()).isEqualTo(ErrorOutcome.IDEMPOTENCY_CONFLICT));
    assertThat(SqliteErrors.row(new SQLiteException("x", SQLiteErrorCode.SQLITE_IOERR_NOMEM)))
        .hasValueSatisfying(r -> assertThat(r.outcome()).isEqualTo(ErrorOutcome.TRANSIENT));
  }

  @Test
  void plainSqlException_isPermanentStorageException() {
    SQLException cause = new SQLException("database connection closed");
    assertThat(errors.map(cause, "find"))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> {
              assertThat(e.isTransient()).isFalse();
              assertThat(e.getCause()).isSameAs(cause);
            });
  }

  @Test
  void failureAfterClose_isReportedAsStoreClosed() {
    StoreContext context = new StoreContext("sqlite", 10, Clock.systemUTC());
    SqliteSettings memory =
        SqliteSettings.parse(
            StateConfig.builder().driver("sqlite").location(SqliteSettings.MEMORY).build());
    StoreCore.open(context, SqliteStore.open(memory, context)).close(); // only the core closes
    SQLException cause = new SQLException("database connection closed");
    assertThat(new SqliteErrors("x", context).map(cause, "find"))
        .isInstanceOf(StoreClosedException.class)
        .hasCause(cause);
  }

  // ---- real failures ----

  @Test
  void openingAFileThatIsNotADatabase_isPermanentStorageException() throws Exception {
    Path file = dir.resolve("garbage.db");
    Files.writeString(
        file, "this is not a sqlite database, just some text that is long enough to matter");
    assertThatThrownBy(() -> TestFiles.open(file))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> {
              assertThat(e.isTransient()).isFalse();
              assertThat(e.getCause()).isInstanceOf(SQLiteException.class);
              assertThat(((SQLiteException) e.getCause()).getResultCode())
                  .isEqualTo(SQLiteErrorCode.SQLITE_NOTADB);
            })
        .hasMessageContaining(file.toString());
  }

  @Test
  void lockedByAnotherInstancePastTheBusyTimeout_isTransientStorageException() throws Exception {
    Path file = dir.resolve("state.db");
    try (StateStore a = TestFiles.open(file);
        StateStore b = TestFiles.open(file, "operationTimeout", "300ms")) {
      a.save(SqliteStoreTestBase.rec("e1", SqliteStoreTestBase.Q, "k", "a"));
      CountDownLatch inFence = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Thread fence =
          new Thread(
              () ->
                  a.fenceIf(
                      SlotExpectation.exact(SqliteStoreTestBase.Q, "k", EventId.of("e1")),
                      () -> {
                        inFence.countDown();
                        SqliteStoreTestBase.await(release);
                      }));
      fence.start();
      try {
        assertThat(inFence.await(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(
                () -> b.save(SqliteStoreTestBase.rec("e2", SqliteStoreTestBase.Q, "k2", "b")))
            .isInstanceOfSatisfying(
                StorageException.class,
                e -> {
                  assertThat(e.isTransient()).isTrue();
                  assertThat(((SQLiteException) e.getCause()).getResultCode())
                      .isEqualTo(SQLiteErrorCode.SQLITE_BUSY);
                });
      } finally {
        release.countDown();
        fence.join(10_000);
      }
      assertThat(a.find(SqliteStoreTestBase.Q, "k2")).isEmpty();
      b.save(SqliteStoreTestBase.rec("e2", SqliteStoreTestBase.Q, "k2", "b"));
      assertThat(a.find(SqliteStoreTestBase.Q, "k2")).isPresent();
    }
  }
}
