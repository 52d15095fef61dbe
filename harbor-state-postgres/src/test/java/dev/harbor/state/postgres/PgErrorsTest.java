package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** One test per row of the SQLSTATE table in {@link PgErrors}. */
class PgErrorsTest {

  private static StateStoreException map(SQLException e) {
    return PgErrors.map(e, "save of event id E1", false);
  }

  private static void assertTransient(StateStoreException mapped, SQLException cause) {
    assertThat(mapped).isExactlyInstanceOf(StorageException.class).hasCause(cause);
    assertThat(((StorageException) mapped).isTransient()).isTrue();
  }

  private static PSQLException server(String state, String constraint) {
    String fields =
        "SERROR\u0000C"
            + state
            + "\u0000Mfailed\u0000"
            + (constraint == null ? "" : "n" + constraint + "\u0000");
    return new PSQLException(new ServerErrorMessage(fields));
  }

  @Test
  void uniqueViolationOnEventId_isIdempotencyConflict() {
    PSQLException e = server("23505", PgSql.EVENT_ID_CONSTRAINT);
    assertThat(map(e)).isInstanceOf(IdempotencyConflictException.class).hasCause(e);
  }

  @Test
  void uniqueViolationWithoutConstraintName_isIdempotencyConflict() {
    SQLException e = new SQLException("duplicate key", "23505");
    assertThat(map(e)).isInstanceOf(IdempotencyConflictException.class).hasCause(e);
  }

  @Test
  void uniqueViolationOnAnotherConstraint_isPermanentStorageException() {
    PSQLException e = server("23505", "harbor_state_records_pkey");
    StateStoreException mapped = map(e);
    assertThat(mapped).isExactlyInstanceOf(StorageException.class).hasCause(e);
    assertThat(((StorageException) mapped).isTransient()).isFalse();
  }

  @Test
  void connectionFailure08006_isTransient() {
    SQLException e =
        new SQLException("An I/O error occurred while sending to the backend.", "08006");
    assertTransient(map(e), e);
  }

  @Test
  void unableToConnect08001_isTransient() {
    SQLException e = new SQLException("Connection refused", "08001");
    assertTransient(map(e), e);
  }

  @Test
  void adminShutdown57P01_isTransient() {
    PSQLException e = server("57P01", null);
    assertTransient(map(e), e);
  }

  @Test
  void crashShutdown57P02_isTransient() {
    PSQLException e = server("57P02", null);
    assertTransient(map(e), e);
  }

  @Test
  void cannotConnectNow57P03_isTransient() {
    PSQLException e = server("57P03", null);
    assertTransient(map(e), e);
  }

  @Test
  void tooManyConnections53300_isTransient() {
    PSQLException e = server("53300", null);
    assertTransient(map(e), e);
  }

  @Test
  void statementTimeout57014_isTransient() {
    PSQLException e = server("57014", null);
    assertTransient(map(e), e);
  }

  @Test
  void lockNotAvailable55P03_isTransient() {
    PSQLException e = server("55P03", null);
    assertTransient(map(e), e);
  }

  @Test
  void serializationFailure40001_isTransient() {
    PSQLException e = server("40001", null);
    assertTransient(map(e), e);
  }

  @Test
  void deadlock40P01_isTransient() {
    PSQLException e = server("40P01", null);
    assertTransient(map(e), e);
  }

  @Test
  void poolTimeoutWithoutState_isTransient() {
    SQLException e =
        new SQLTransientConnectionException(
            "pool - Connection is not available, request timed out");
    assertTransient(map(e), e);
  }

  @Test
  void brokenConnectionDuringCommit_isCommitOutcomeUnknown() {
    SQLException e =
        new SQLException("An I/O error occurred while sending to the backend.", "08006");
    StateStoreException mapped = PgErrors.map(e, "saveAll of 3 records", true);
    assertThat(mapped).isInstanceOf(CommitOutcomeUnknownException.class).hasCause(e);
    assertThat(((StorageException) mapped).isTransient()).isTrue();
  }

  @Test
  void adminShutdownDuringCommit_isCommitOutcomeUnknown() {
    PSQLException e = server("57P01", null);
    assertThat(PgErrors.map(e, "saveAll", true))
        .isInstanceOf(CommitOutcomeUnknownException.class)
        .hasCause(e);
  }

  @Test
  void otherErrors_arePermanent() {
    for (String state : new String[] {"28P01", "28000", "3D000", "42501", "42P01", "22P02"}) {
      PSQLException e = server(state, null);
      StateStoreException mapped = map(e);
      assertThat(mapped).as(state).isExactlyInstanceOf(StorageException.class).hasCause(e);
      assertThat(((StorageException) mapped).isTransient()).as(state).isFalse();
      assertThat(mapped.getMessage()).contains("SQLSTATE " + state);
    }
  }

  @Test
  void permanentErrorDuringCommit_staysPermanent() {
    PSQLException e = server("23514", null);
    StateStoreException mapped = PgErrors.map(e, "saveAll", true);
    assertThat(mapped).isExactlyInstanceOf(StorageException.class);
    assertThat(((StorageException) mapped).isTransient()).isFalse();
  }

  @Test
  void messages_areOneLine() {
    SQLException e = new SQLException("first line\n  Detail: second", "08006");
    assertThat(map(e).getMessage())
        .doesNotContain("\n")
        .contains("first line")
        .contains("save of event id E1");
  }
}
