package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.postgres.PgErrors.Failure;
import dev.harbor.state.sql.ErrorOutcome;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The SQLSTATE table of {@link PgErrors}: one case per row (and codes that fall into a class row or
 * into no row), each mapped with the JDBC exception as the cause.
 */
class PgErrorsTest {

  private static StateStoreException map(SQLException e) {
    return PgErrors.map(e, "save of event id E1");
  }

  private static PSQLException server(String state, String constraint) {
    String fields =
        "SERROR\u0000C"
            + state
            + "\u0000Mfailed\u0000"
            + (constraint == null ? "" : "n" + constraint + "\u0000");
    return new PSQLException(new ServerErrorMessage(fields));
  }

  /** Every row of the table, codes that fall into a class's row, and codes in no row. */
  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of("23505", ErrorOutcome.IDEMPOTENCY_CONFLICT, Failure.OTHER),
        Arguments.of("08", ErrorOutcome.TRANSIENT, Failure.BROKEN_CONNECTION),
        Arguments.of("08006", ErrorOutcome.TRANSIENT, Failure.BROKEN_CONNECTION),
        Arguments.of("08001", ErrorOutcome.TRANSIENT, Failure.BROKEN_CONNECTION),
        Arguments.of("57P01", ErrorOutcome.TRANSIENT, Failure.BROKEN_CONNECTION),
        Arguments.of("57P02", ErrorOutcome.TRANSIENT, Failure.BROKEN_CONNECTION),
        Arguments.of("57P03", ErrorOutcome.TRANSIENT, Failure.BROKEN_CONNECTION),
        Arguments.of("25P03", ErrorOutcome.TRANSIENT, Failure.BROKEN_CONNECTION),
        Arguments.of("40001", ErrorOutcome.TRANSIENT, Failure.ROLLED_BACK),
        Arguments.of("40P01", ErrorOutcome.TRANSIENT, Failure.ROLLED_BACK),
        Arguments.of("57014", ErrorOutcome.TRANSIENT, Failure.OTHER),
        Arguments.of("55P03", ErrorOutcome.TRANSIENT, Failure.OTHER),
        Arguments.of("53100", ErrorOutcome.PERMANENT, Failure.OTHER),
        Arguments.of("53", ErrorOutcome.TRANSIENT, Failure.OTHER),
        Arguments.of("53300", ErrorOutcome.TRANSIENT, Failure.OTHER),
        Arguments.of("53200", ErrorOutcome.TRANSIENT, Failure.OTHER),
        // In no row: not solved by retrying.
        Arguments.of("28P01", ErrorOutcome.PERMANENT, Failure.OTHER),
        Arguments.of("28000", ErrorOutcome.PERMANENT, Failure.OTHER),
        Arguments.of("3D000", ErrorOutcome.PERMANENT, Failure.OTHER),
        Arguments.of("42501", ErrorOutcome.PERMANENT, Failure.OTHER),
        Arguments.of("42P01", ErrorOutcome.PERMANENT, Failure.OTHER),
        Arguments.of("22P02", ErrorOutcome.PERMANENT, Failure.OTHER),
        Arguments.of("23514", ErrorOutcome.PERMANENT, Failure.OTHER),
        Arguments.of("P0001", ErrorOutcome.PERMANENT, Failure.OTHER),
        Arguments.of("57000", ErrorOutcome.PERMANENT, Failure.OTHER));
  }

  @ParameterizedTest(name = "{0} -> {1}, {2}")
  @MethodSource("rows")
  void sqlState_mapsToItsContractException_withTheJdbcExceptionAsCause(
      String state, ErrorOutcome outcome, Failure failure) {
    SQLException e = new SQLException("failed", state);
    StateStoreException mapped = map(e);
    assertThat(mapped.getCause()).isSameAs(e);
    assertThat(mapped.getMessage()).contains("save of event id E1");
    assertOutcome(mapped, outcome);
    assertThat(PgErrors.failure(e)).isEqualTo(failure);
    assertThat(PgErrors.isTransient(e)).isEqualTo(outcome == ErrorOutcome.TRANSIENT);
  }

  @Test
  void everyRowOfTheTable_isCovered() {
    List<Object> covered = rows().map(a -> a.get()[0]).toList();
    List<String> codes =
        PgErrors.TABLE.stream().map(PgErrors.Row::code).filter(c -> !c.isEmpty()).toList();
    assertThat(covered).containsAll(codes);
  }

  @Test
  void poolTimeoutWithoutSqlState_isTransient_andNotRetriedWithinTheCall() {
    SQLException e =
        new SQLTransientConnectionException(
            "pool - Connection is not available, request timed out");
    StateStoreException mapped = map(e);
    assertThat(mapped.getCause()).isSameAs(e);
    assertOutcome(mapped, ErrorOutcome.TRANSIENT);
    assertThat(PgErrors.failure(e)).isEqualTo(Failure.OTHER);
  }

  @Test
  void plainSqlExceptionWithoutSqlState_isPermanent() {
    SQLException e = new SQLException("something odd");
    assertOutcome(map(e), ErrorOutcome.PERMANENT);
    assertThat(PgErrors.failure(e)).isEqualTo(Failure.OTHER);
  }

  @Test
  void uniqueViolationOnTheEventIdConstraint_isIdempotencyConflict() {
    PSQLException e = server("23505", PgSql.EVENT_ID_CONSTRAINT);
    assertThat(map(e)).isInstanceOf(IdempotencyConflictException.class).hasCause(e);
  }

  @Test
  void uniqueViolationOnAnotherConstraint_isPermanentStorageException() {
    PSQLException e = server("23505", "harbor_state_records_pkey");
    assertOutcome(map(e), ErrorOutcome.PERMANENT);
    assertThat(map(e)).hasCause(e);
  }

  @Test
  void serverErrors_areReadByTheirSqlState() {
    PSQLException e = server("57P01", null);
    assertOutcome(map(e), ErrorOutcome.TRANSIENT);
    assertThat(PgErrors.failure(e)).isEqualTo(Failure.BROKEN_CONNECTION);
  }

  @Test
  void outcomeUnknown_isTransient_withTheBrokenConnectionAsCause() {
    SQLException e =
        new SQLException("An I/O error occurred while sending to the backend.", "08006");
    CommitOutcomeUnknownException unknown = PgErrors.outcomeUnknown(e, "saveAll of 3 records");
    assertThat(unknown).hasCause(e).hasMessageContaining("saveAll of 3 records");
    assertThat(unknown.isTransient()).isTrue();
  }

  @Test
  void messages_areOneLine_andNameTheSqlState() {
    SQLException e = new SQLException("first line\n  Detail: second", "08006");
    assertThat(map(e).getMessage())
        .doesNotContain("\n")
        .contains("first line")
        .contains("SQLSTATE 08006")
        .contains("save of event id E1");
  }

  private static void assertOutcome(StateStoreException mapped, ErrorOutcome outcome) {
    switch (outcome) {
      case IDEMPOTENCY_CONFLICT ->
          assertThat(mapped).isInstanceOf(IdempotencyConflictException.class);
      case TRANSIENT ->
          assertThat(mapped)
              .isExactlyInstanceOf(StorageException.class)
              .satisfies(s -> assertThat(((StorageException) s).isTransient()).isTrue());
      case PERMANENT ->
          assertThat(mapped)
              .isExactlyInstanceOf(StorageException.class)
              .satisfies(s -> assertThat(((StorageException) s).isTransient()).isFalse());
    }
  }
}
