package dev.harbor.state.spi;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.InvalidScanException;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How one store call ended, as a {@link StoreListener} sees it: one value per family of the
 * contract's exceptions (SPEC 3.9), so that metrics can count outcomes without matching exception
 * types themselves.
 */
public enum StoreOutcome {
  /** The call returned (including {@code deleteIf} returning {@code false}). */
  OK,
  /** An {@link IdempotencyConflictException}: a live event id reused with other content. */
  CONFLICT,
  /** A {@link ConditionFailedException}: an expectation or a fence's generation did not match. */
  CONDITION_FAILED,
  /** A {@link RecordNotFoundException} from {@code load} or {@code loadByEventId}. */
  NOT_FOUND,
  /**
   * The call was refused before touching storage: malformed input, a missing identity or
   * maintenance scope, a null argument, or a call on a closed store.
   */
  INVALID,
  /** A {@link StorageException} whose outcome is known: the backend failed, nothing was applied. */
  STORAGE_ERROR,
  /** A {@link CommitOutcomeUnknownException}: a commit was sent and may or may not have applied. */
  OUTCOME_UNKNOWN,
  /** An {@link OperationCancelledException}: the caller was interrupted; nothing was changed. */
  CANCELLED,
  /** Anything else: an exception thrown by a fence's own action, or an {@link Error}. */
  FAILED;

  /**
   * The outcome of a call that ended this way.
   *
   * @param failure what the call threw, or {@code null} if it returned
   * @return the outcome
   */
  public static StoreOutcome of(@Nullable Throwable failure) {
    if (failure == null) {
      return OK;
    }
    for (Map.Entry<Class<? extends Throwable>, StoreOutcome> row : BY_EXCEPTION) {
      if (row.getKey().isInstance(failure)) {
        return row.getValue();
      }
    }
    return FAILED;
  }

  /**
   * Exception type to outcome, first match wins: a subclass stands before its superclass ({@link
   * CommitOutcomeUnknownException} extends {@link StorageException}).
   */
  private static final List<Map.Entry<Class<? extends Throwable>, StoreOutcome>> BY_EXCEPTION =
      List.of(
          Map.entry(CommitOutcomeUnknownException.class, OUTCOME_UNKNOWN),
          Map.entry(StorageException.class, STORAGE_ERROR),
          Map.entry(IdempotencyConflictException.class, CONFLICT),
          Map.entry(ConditionFailedException.class, CONDITION_FAILED),
          Map.entry(RecordNotFoundException.class, NOT_FOUND),
          Map.entry(OperationCancelledException.class, CANCELLED),
          Map.entry(InvalidRecordException.class, INVALID),
          Map.entry(IdentityRequiredException.class, INVALID),
          Map.entry(InvalidScanException.class, INVALID),
          Map.entry(MaintenanceScopeRequiredException.class, INVALID),
          Map.entry(InvalidConfigException.class, INVALID),
          Map.entry(StoreClosedException.class, INVALID),
          // The contract's programming errors (a null record, list or action).
          Map.entry(NullPointerException.class, INVALID),
          Map.entry(IllegalArgumentException.class, INVALID));

  /**
   * The outcome as a metric tag or log word.
   *
   * @return the name in lower case, such as {@code "condition_failed"}
   */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
