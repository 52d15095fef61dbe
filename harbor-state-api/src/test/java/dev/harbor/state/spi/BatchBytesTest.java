package dev.harbor.state.spi;

import static dev.harbor.state.spi.SpiFixtures.Q;
import static dev.harbor.state.spi.SpiFixtures.rec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A batch is bounded in bytes (SPEC 9.3): {@code saveAll} and {@code saveBatchIf} refuse a batch
 * whose payloads and keys exceed {@code maxBatchBytes}, in the core, before any driver sees it.
 */
class BatchBytesTest {

  /** Each record: 100 payload bytes, keys t u s "" k e<N> = 1+1+1+0+1+2 (or 3) bytes. */
  private static List<StateRecord> records(int n) {
    List<StateRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(rec(Q, "k" + i, "e" + i, 100));
    }
    return out;
  }

  @Test
  void batchBytes_countsPayloadAndTheUtf8BytesOfEveryKey() {
    assertThat(StoreCore.batchBytes(rec(Q, "k", "e", 100))).isEqualTo(100 + 1 + 1 + 1 + 0 + 1 + 1);
    StateRecord wide =
        rec(new dev.harbor.state.Quadruple("é", "€", "\uD83D\uDE00", "r"), "k", "e", 0);
    assertThat(StoreCore.batchBytes(wide)).isEqualTo(2 + 3 + 4 + 1 + 1 + 1);
  }

  @Test
  void aBatchOverTheLimit_isInvalid_andAtTheLimitPasses() {
    List<StateRecord> ten = records(10);
    long total = ten.stream().mapToLong(StoreCore::batchBytes).sum();
    Checks atLimit = new Checks(100, total);
    atLimit.saveAll(ten);
    Checks below = new Checks(100, total - 1);
    assertThatThrownBy(() -> below.saveAll(ten))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("maxBatchBytes=" + (total - 1))
        .hasMessageContaining(total + " bytes");
    List<SlotExpectation> expectations =
        ten.stream().map(r -> SlotExpectation.absent(r.identity(), r.kind())).toList();
    atLimit.saveBatchIf(expectations, ten);
    assertThatThrownBy(() -> below.saveBatchIf(expectations, ten))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("saveBatchIf");
  }

  @Test
  void theOption_defaultsTo64MiB_andMustHoldAnyOneRecord() {
    List<StoreOption> table = List.of(StoreOption.MAX_PAYLOAD_BYTES, StoreOption.MAX_BATCH_BYTES);
    StateConfig none = StateConfig.builder().build();
    assertThat(Options.of(none, table).maxBatchBytes(16 << 20)).isEqualTo(64L << 20);
    StateConfig small = StateConfig.builder().option("maxBatchBytes", "1KiB").build();
    assertThatThrownBy(() -> Options.of(small, table).maxBatchBytes(16 << 20))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("maxBatchBytes");
    assertThat(Options.of(small, table).maxBatchBytes(1024 - Limits.MAX_RECORD_KEY_BYTES))
        .isEqualTo(1024);
    assertThat(new StoreContext("fake", 16 << 20, SpiFixtures.CLOCK).maxBatchBytes())
        .isEqualTo(StoreContext.DEFAULT_MAX_BATCH_BYTES);
  }
}
