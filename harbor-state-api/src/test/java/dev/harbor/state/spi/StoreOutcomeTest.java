package dev.harbor.state.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.InvalidScanException;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import org.junit.jupiter.api.Test;

/** One row per exception of SPEC 3.9: the outcome a listener sees for it. */
class StoreOutcomeTest {

  @Test
  void eachContractException_mapsToItsOutcome() {
    assertThat(StoreOutcome.of(null)).isEqualTo(StoreOutcome.OK);
    assertThat(StoreOutcome.of(new IdempotencyConflictException("x")))
        .isEqualTo(StoreOutcome.CONFLICT);
    assertThat(StoreOutcome.of(new ConditionFailedException("x")))
        .isEqualTo(StoreOutcome.CONDITION_FAILED);
    assertThat(StoreOutcome.of(new RecordNotFoundException("x"))).isEqualTo(StoreOutcome.NOT_FOUND);
    assertThat(StoreOutcome.of(new InvalidRecordException("x"))).isEqualTo(StoreOutcome.INVALID);
    assertThat(StoreOutcome.of(new IdentityRequiredException("x"))).isEqualTo(StoreOutcome.INVALID);
    assertThat(StoreOutcome.of(new InvalidScanException("x"))).isEqualTo(StoreOutcome.INVALID);
    assertThat(StoreOutcome.of(new MaintenanceScopeRequiredException("x")))
        .isEqualTo(StoreOutcome.INVALID);
    assertThat(StoreOutcome.of(new StoreClosedException("x"))).isEqualTo(StoreOutcome.INVALID);
    assertThat(StoreOutcome.of(new NullPointerException("record"))).isEqualTo(StoreOutcome.INVALID);
    assertThat(StoreOutcome.of(new StorageException("x", true, null)))
        .isEqualTo(StoreOutcome.STORAGE_ERROR);
    assertThat(StoreOutcome.of(new CommitOutcomeUnknownException("x", null)))
        .isEqualTo(StoreOutcome.OUTCOME_UNKNOWN);
    assertThat(StoreOutcome.of(new OperationCancelledException("x")))
        .isEqualTo(StoreOutcome.CANCELLED);
    assertThat(StoreOutcome.of(new IllegalStateException("from a fence's action")))
        .isEqualTo(StoreOutcome.FAILED);
  }

  @Test
  void tags_areTheLowerCaseNames() {
    assertThat(StoreOutcome.OUTCOME_UNKNOWN.tag()).isEqualTo("outcome_unknown");
    assertThat(StoreOutcome.CONDITION_FAILED.tag()).isEqualTo("condition_failed");
  }
}
