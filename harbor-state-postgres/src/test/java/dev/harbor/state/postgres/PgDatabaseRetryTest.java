package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.postgres.PgDatabase.Mode;
import dev.harbor.state.postgres.PgErrors.Failure;
import dev.harbor.state.postgres.PgRetryPolicy.Commit;
import dev.harbor.state.postgres.PgRetryPolicy.Decision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The retry decision of {@link PgRetryPolicy#decide}: one row per combination that matters, named
 * by the rule it states, then properties over every combination.
 */
class PgDatabaseRetryTest {

  private static final long SECOND = 1_000_000_000L;

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # rule                                                          | mode        | failure           | commit   | attempts left | seconds left | decision
          # Reads: always safe to run again, while attempts and time last.
          read_brokenConnection_retriesOnAFreshConnection                 | READ        | BROKEN_CONNECTION | NOT_SENT | 7 | 1 | RETRY
          read_rolledBack_retries                                         | READ        | ROLLED_BACK       | NOT_SENT | 7 | 1 | RETRY
          read_otherFailure_fails                                         | READ        | OTHER             | NOT_SENT | 7 | 1 | FAIL
          read_brokenConnectionWithNoAttemptsLeft_fails                   | READ        | BROKEN_CONNECTION | NOT_SENT | 0 | 1 | FAIL
          read_brokenConnectionPastOperationTimeout_fails                 | READ        | BROKEN_CONNECTION | NOT_SENT | 7 | 0 | FAIL
          # Writes (every one a transaction): again only if nothing may have committed.
          write_brokenBeforeItsCommit_retries                             | TRANSACTION | BROKEN_CONNECTION | NOT_SENT | 7 | 1 | RETRY
          write_brokenBeforeItsCommitPastOperationTimeout_fails           | TRANSACTION | BROKEN_CONNECTION | NOT_SENT | 7 | 0 | FAIL
          write_brokenBeforeItsCommitWithNoAttemptsLeft_fails             | TRANSACTION | BROKEN_CONNECTION | NOT_SENT | 0 | 1 | FAIL
          write_brokenWhileCommitting_asksTheServerNeverRetriesBlindly    | TRANSACTION | BROKEN_CONNECTION | SENT     | 7 | 1 | RESOLVE
          write_brokenWhileCommittingWithNoAttemptsLeft_stillAsks         | TRANSACTION | BROKEN_CONNECTION | SENT     | 0 | 1 | RESOLVE
          write_brokenWhileCommittingPastOperationTimeout_isUnknown       | TRANSACTION | BROKEN_CONNECTION | SENT     | 7 | 0 | OUTCOME_UNKNOWN
          write_rolledBackBeforeItsCommit_retries                         | TRANSACTION | ROLLED_BACK       | NOT_SENT | 7 | 1 | RETRY
          write_rolledBackAtItsCommit_retries                             | TRANSACTION | ROLLED_BACK       | SENT     | 7 | 1 | RETRY
          write_refusedAtItsCommit_failsWithAKnownOutcome                 | TRANSACTION | OTHER             | SENT     | 7 | 1 | FAIL
          write_otherFailureBeforeItsCommit_fails                         | TRANSACTION | OTHER             | NOT_SENT | 7 | 1 | FAIL
          # Fences: again only before the caller's action; they write nothing, so never in doubt.
          fence_brokenBeforeTheAction_retries                             | FENCE       | BROKEN_CONNECTION | NOT_SENT | 7 | 1 | RETRY
          fence_rolledBackBeforeTheAction_retries                         | FENCE       | ROLLED_BACK       | NOT_SENT | 7 | 1 | RETRY
          fence_brokenAfterTheActionStarted_failsSoTheActionRunsOnce      | FENCE       | BROKEN_CONNECTION | SENT     | 7 | 1 | FAIL
          fence_rolledBackAfterTheActionStarted_failsSoTheActionRunsOnce  | FENCE       | ROLLED_BACK       | SENT     | 7 | 1 | FAIL
          fence_conditionFailed_fails                                     | FENCE       | OTHER             | NOT_SENT | 7 | 1 | FAIL
          """)
  void decide(
      String rule,
      Mode mode,
      Failure failure,
      Commit commit,
      int attemptsLeft,
      long secondsLeft,
      Decision decision) {
    assertThat(PgRetryPolicy.decide(mode, failure, commit, attemptsLeft, secondsLeft * SECOND))
        .as(rule)
        .isEqualTo(decision);
  }

  @Test
  void noAttemptsOrNoTimeLeft_neverRunsTheWorkAgain() {
    forEveryInput(
        (mode, failure, commit) -> {
          assertThat(PgRetryPolicy.decide(mode, failure, commit, 0, SECOND))
              .isIn(Decision.FAIL, Decision.OUTCOME_UNKNOWN, Decision.RESOLVE);
          assertThat(PgRetryPolicy.decide(mode, failure, commit, 7, 0))
              .isIn(Decision.FAIL, Decision.OUTCOME_UNKNOWN);
        });
  }

  @Test
  void aWriteWhoseCommitWasSentAndBroke_isNeverRunAgainWithoutAskingTheServer() {
    forEveryInput(
        (mode, failure, commit) -> {
          if (mode.writes() && commit == Commit.SENT && failure == Failure.BROKEN_CONNECTION) {
            assertThat(PgRetryPolicy.decide(mode, failure, commit, 7, SECOND))
                .isEqualTo(Decision.RESOLVE);
          }
        });
  }

  /** What the server's answer about a transaction whose commit broke means. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      nullValues = "null",
      delimiter = '|',
      textBlock =
          """
          # rule                                                          | status      | same run | settled
          committed_isApplied                                             | committed   | true     | COMMITTED
          aborted_isSafeToRunAgain                                        | aborted     | true     | ABORTED
          inProgress_isAskedAgain                                         | in progress | true     | IN_PROGRESS
          tooOldToTell_isUnknown                                          | null        | true     | UNKNOWN
          anotherServerRun_committed_isUnknown                            | committed   | false    | UNKNOWN
          anotherServerRun_aborted_isUnknownSinceTheIdMayBeAnothersNow    | aborted     | false    | UNKNOWN
          """)
  void settled(String rule, String status, boolean sameRun, PgRetryPolicy.Settled settled) {
    assertThat(PgRetryPolicy.settled(status, sameRun)).as(rule).isEqualTo(settled);
  }

  @Test
  void onlyWrites_areEverInDoubt() {
    forEveryInput(
        (mode, failure, commit) -> {
          if (!mode.writes()) {
            assertThat(PgRetryPolicy.decide(mode, failure, commit, 7, SECOND))
                .isIn(Decision.RETRY, Decision.FAIL);
          }
        });
  }

  @Test
  void onlyABrokenConnectionWhileCommitting_isEverInDoubt() {
    forEveryInput(
        (mode, failure, commit) -> {
          if (commit == Commit.NOT_SENT || failure != Failure.BROKEN_CONNECTION) {
            assertThat(PgRetryPolicy.decide(mode, failure, commit, 7, SECOND))
                .isIn(Decision.RETRY, Decision.FAIL);
          }
        });
  }

  @Test
  void aFailureThatIsNeitherABrokenConnectionNorARollback_isNeverRetried() {
    forEveryInput(
        (mode, failure, commit) -> {
          if (failure == Failure.OTHER) {
            assertThat(PgRetryPolicy.decide(mode, failure, commit, 7, SECOND))
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
