package dev.harbor.state.postgres;

import dev.harbor.state.postgres.PgDatabase.Mode;
import dev.harbor.state.postgres.PgErrors.Failure;
import org.jspecify.annotations.Nullable;

/**
 * The retry decision of {@link PgDatabase}: where a failed attempt's commit stood, what to do next,
 * and what the server's answer about a commit that broke in flight means (pure functions).
 */
final class PgRetryPolicy {

  private PgRetryPolicy() {}

  /** Where a call's commit stood when an attempt failed. */
  enum Commit {
    /** Nothing was sent that could take effect. */
    NOT_SENT,
    /** This attempt sent its commit (a write: its COMMIT; a fence: it started the action). */
    SENT
  }

  /** What to do after an attempt failed. */
  enum Decision {
    /** Run the work again, on a fresh connection. */
    RETRY,
    /** The commit broke in flight: ask the server what became of it ({@link Settled}). */
    RESOLVE,
    /** Report the failure: the call changed nothing (or, for a fence, wrote nothing). */
    FAIL,
    /** Report that a commit was sent and its outcome is unknown. */
    OUTCOME_UNKNOWN
  }

  /** What the server says became of a transaction whose commit broke in flight. */
  enum Settled {
    /** It committed: the write took effect. */
    COMMITTED,
    /** It was rolled back: nothing took effect. */
    ABORTED,
    /** Not decided yet (its COMMIT may still be on its way, or its backend still running). */
    IN_PROGRESS,
    /** The server cannot tell, or cannot be trusted to (another server run). */
    UNKNOWN
  }

  /**
   * What to do after an attempt failed: a pure function of the work's mode, what the failure did to
   * the attempt, where the commit stood, and the attempts and time left.
   *
   * @param mode how the work runs
   * @param failure what the failure did to the attempt
   * @param commit where the call's commit stood
   * @param attemptsLeft attempts the call may still make
   * @param nanosLeft what is left of operationTimeout
   * @return the decision
   */
  static Decision decide(
      Mode mode, Failure failure, Commit commit, int attemptsLeft, long nanosLeft) {
    if (mode.writes() && commit == Commit.SENT && failure == Failure.BROKEN_CONNECTION) {
      // The commit may or may not have been applied: never run it again without knowing.
      return nanosLeft > 0 ? Decision.RESOLVE : Decision.OUTCOME_UNKNOWN;
    }
    boolean again =
        failure != Failure.OTHER
            && attemptsLeft > 0
            && nanosLeft > 0
            && switch (mode) {
              // A write's transaction that failed before its commit, or that the server rolled
              // back at its commit, changed nothing.
              case READ, TRANSACTION -> true;
              case FENCE -> commit == Commit.NOT_SENT; // the caller's action runs at most once
            };
    return again ? Decision.RETRY : Decision.FAIL;
  }

  /**
   * What the server's answer about a transaction means: a pure function of the status {@code
   * pg_xact_status} reported and whether the server still runs as it did for the transaction.
   *
   * @param status {@code committed}, {@code aborted}, {@code in progress}, or null (too old)
   * @param sameRun whether the server's incarnation is the transaction's
   * @return what became of the transaction
   */
  static Settled settled(@Nullable String status, boolean sameRun) {
    if (!sameRun || status == null) {
      return Settled.UNKNOWN;
    }
    return switch (status) {
      case "committed" -> Settled.COMMITTED;
      case "aborted" -> Settled.ABORTED;
      case "in progress" -> Settled.IN_PROGRESS;
      default -> Settled.UNKNOWN;
    };
  }
}
