package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.postgres.PgDatabase.Commit;
import dev.harbor.state.postgres.PgDatabase.Decision;
import dev.harbor.state.postgres.PgDatabase.Mode;
import dev.harbor.state.postgres.PgErrors.Failure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The retry decision of {@link PgDatabase#decide}: one row per combination that matters, named by
 * the rule it states, then properties over every combination.
 */
class PgDatabaseRetryTest {

  private static final long SECOND = 1_000_000_000L;

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # rule                                                          | mode             | failure           | commit   | attempts left | seconds left | decision
          # Reads: always safe to run again, while attempts and time last.
          read_brokenConnection_retriesOnAFreshConnection                 | READ             | BROKEN_CONNECTION | NOT_SENT | 7 | 1 | RETRY
          read_rolledBack_retries                                         | READ             | ROLLED_BACK       | NOT_SENT | 7 | 1 | RETRY
          read_otherFailure_fails                                         | READ             | OTHER             | NOT_SENT | 7 | 1 | FAIL
          read_brokenConnectionWithNoAttemptsLeft_fails                   | READ             | BROKEN_CONNECTION | NOT_SENT | 0 | 1 | FAIL
          read_brokenConnectionPastOperationTimeout_fails                 | READ             | BROKEN_CONNECTION | NOT_SENT | 7 | 0 | FAIL
          # Idempotent writes (save, delete): sent as they start; a replay applies nothing twice.
          idempotentWrite_commitBroke_retriesButTheOutcomeIsInDoubt       | IDEMPOTENT_WRITE | BROKEN_CONNECTION | SENT     | 7 | 1 | RETRY_IN_DOUBT
          idempotentWrite_commitBrokeWithNoAttemptsLeft_isOutcomeUnknown  | IDEMPOTENT_WRITE | BROKEN_CONNECTION | SENT     | 0 | 1 | OUTCOME_UNKNOWN
          idempotentWrite_commitBrokePastOperationTimeout_isOutcomeUnknown| IDEMPOTENT_WRITE | BROKEN_CONNECTION | SENT     | 7 | 0 | OUTCOME_UNKNOWN
          idempotentWrite_rolledBack_retries                              | IDEMPOTENT_WRITE | ROLLED_BACK       | SENT     | 7 | 1 | RETRY
          idempotentWrite_refusedByTheServer_failsWithAKnownOutcome       | IDEMPOTENT_WRITE | OTHER             | SENT     | 7 | 1 | FAIL
          # Once an earlier attempt's commit is in doubt, only a success clears it.
          inDoubt_anotherBrokenConnection_retries                         | IDEMPOTENT_WRITE | BROKEN_CONNECTION | IN_DOUBT | 7 | 1 | RETRY
          inDoubt_rolledBack_retries                                      | IDEMPOTENT_WRITE | ROLLED_BACK       | IN_DOUBT | 7 | 1 | RETRY
          inDoubt_aLaterAnswerSuchAsAConflict_isStillOutcomeUnknown       | IDEMPOTENT_WRITE | OTHER             | IN_DOUBT | 7 | 1 | OUTCOME_UNKNOWN
          inDoubt_noAttemptsLeft_isStillOutcomeUnknown                    | IDEMPOTENT_WRITE | ROLLED_BACK       | IN_DOUBT | 0 | 1 | OUTCOME_UNKNOWN
          inDoubt_pastOperationTimeout_isStillOutcomeUnknown              | IDEMPOTENT_WRITE | BROKEN_CONNECTION | IN_DOUBT | 7 | 0 | OUTCOME_UNKNOWN
          # Transactions (saveAll, saveIf, deleteIf, deleteScope): again only if nothing may have committed.
          transaction_brokenBeforeItsCommit_retries                       | TRANSACTION      | BROKEN_CONNECTION | NOT_SENT | 7 | 1 | RETRY
          transaction_brokenWhileCommitting_isOutcomeUnknownAndNotRetried | TRANSACTION      | BROKEN_CONNECTION | SENT     | 7 | 1 | OUTCOME_UNKNOWN
          transaction_rolledBackBeforeItsCommit_retries                   | TRANSACTION      | ROLLED_BACK       | NOT_SENT | 7 | 1 | RETRY
          transaction_rolledBackAtItsCommit_retries                       | TRANSACTION      | ROLLED_BACK       | SENT     | 7 | 1 | RETRY
          transaction_refusedAtItsCommit_failsWithAKnownOutcome           | TRANSACTION      | OTHER             | SENT     | 7 | 1 | FAIL
          transaction_otherFailureBeforeItsCommit_fails                   | TRANSACTION      | OTHER             | NOT_SENT | 7 | 1 | FAIL
          transaction_brokenBeforeItsCommitWithNoAttemptsLeft_fails       | TRANSACTION      | BROKEN_CONNECTION | NOT_SENT | 0 | 1 | FAIL
          # Fences: again only before the caller's action; they write nothing, so never in doubt.
          fence_brokenBeforeTheAction_retries                             | FENCE            | BROKEN_CONNECTION | NOT_SENT | 7 | 1 | RETRY
          fence_rolledBackBeforeTheAction_retries                         | FENCE            | ROLLED_BACK       | NOT_SENT | 7 | 1 | RETRY
          fence_brokenAfterTheActionStarted_failsSoTheActionRunsOnce      | FENCE            | BROKEN_CONNECTION | SENT     | 7 | 1 | FAIL
          fence_rolledBackAfterTheActionStarted_failsSoTheActionRunsOnce  | FENCE            | ROLLED_BACK       | SENT     | 7 | 1 | FAIL
          fence_conditionFailed_fails                                     | FENCE            | OTHER             | NOT_SENT | 7 | 1 | FAIL
          """)
  void decide(
      String rule,
      Mode mode,
      Failure failure,
      Commit commit,
      int attemptsLeft,
      long secondsLeft,
      Decision decision) {
    assertThat(PgDatabase.decide(mode, failure, commit, attemptsLeft, secondsLeft * SECOND))
        .as(rule)
        .isEqualTo(decision);
  }

  @Test
  void noAttemptsOrNoTimeLeft_neverRetries() {
    forEveryInput(
        (mode, failure, commit) -> {
          assertThat(PgDatabase.decide(mode, failure, commit, 0, SECOND))
              .isIn(Decision.FAIL, Decision.OUTCOME_UNKNOWN);
          assertThat(PgDatabase.decide(mode, failure, commit, 7, 0))
              .isIn(Decision.FAIL, Decision.OUTCOME_UNKNOWN);
        });
  }

  @Test
  void onlyWrites_areEverInDoubt() {
    forEveryInput(
        (mode, failure, commit) -> {
          if (!mode.writes()) {
            assertThat(PgDatabase.decide(mode, failure, commit, 7, SECOND))
                .isIn(Decision.RETRY, Decision.FAIL);
          }
        });
  }

  @Test
  void aFailureThatIsNeitherABrokenConnectionNorARollback_isNeverRetried() {
    forEveryInput(
        (mode, failure, commit) -> {
          if (failure == Failure.OTHER) {
            assertThat(PgDatabase.decide(mode, failure, commit, 7, SECOND))
                .isIn(Decision.FAIL, Decision.OUTCOME_UNKNOWN);
          }
        });
  }

  private interface Check {
    void check(Mode mode, Failure failure, Commit commit);
  }

  private static void forEveryInput(Check check) {
    for (Mode mode : Mode.values()) {
      for (Failure failure : Failure.values()) {
        for (Commit commit : Commit.values()) {
          check.check(mode, failure, commit);
        }
      }
    }
  }
}
