package dev.harbor.state.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.harbor.state.InvalidScanException;
import dev.harbor.state.ListScope;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a snapshot of a store ({@link StoreCore#snapshot}) keeps on every driver, stated once (issue
 * 23, defect 9): its scans read the state the store held when it opened, while writers move records
 * between slots and replace two-record generations between its pages ({@link MovingWriter}); its
 * checks and continuations are the store's; closing the view ends it, and closing the store closes
 * the views still open without waiting for them; a page is bounded by {@code operationTimeout}, the
 * view's life is not. A driver's test implements this interface with a fresh store per test, and
 * JUnit runs the scenarios as its own tests.
 */
public interface SnapshotScenarios {

  /**
   * The store under test: fresh and empty for each test, opened with {@link #operationTimeout()}.
   *
   * @return the store
   */
  StateStore store();

  /**
   * The store's {@code operationTimeout}: short, since one scenario outlives it.
   *
   * @return the timeout
   */
  Duration operationTimeout();

  /** Reads every remaining page of a snapshot's {@code scanAll}, a record a page. */
  private static List<StateRecord> rest(StoreSnapshot snapshot, String continuation) {
    List<StateRecord> read = new ArrayList<>();
    String c = continuation;
    while (!c.isEmpty()) {
      ScanPage page = snapshot.scanAll(ListScope.MAINTENANCE, 1, c);
      read.addAll(page.records());
      c = page.continuation();
    }
    return read;
  }

  /** The writers move records and replace a generation between a snapshot's pages: unseen. */
  @Test
  default void snapshot_withWritersBetweenItsPages_readsTheStateItOpenedOn() {
    List<StateRecord> before = MovingWriter.seed(store());
    List<StateRecord> read = new ArrayList<>();
    try (StoreSnapshot snapshot = StoreCore.snapshot(store())) {
      ScanPage first = snapshot.scanAll(ListScope.MAINTENANCE, 2, "");
      read.addAll(first.records());
      MovingWriter.step(store());
      read.addAll(rest(snapshot, first.continuation()));
    }
    MovingWriter.assertSnapshot(read, before);

    // The writers' step took effect, and a new snapshot sees it.
    List<StateRecord> after = store().scanAll(ListScope.MAINTENANCE, 1000, "").records();
    try (StoreSnapshot snapshot = StoreCore.snapshot(store())) {
      assertThat(snapshot.scanAll(ListScope.MAINTENANCE, 1000, "").records())
          .containsExactlyElementsOf(after)
          .isNotEqualTo(before);
    }
  }

  /** The state is the one of the view's opening, not of its first page. */
  @Test
  default void snapshot_writersBeforeItsFirstPage_areUnseen() {
    List<StateRecord> before = MovingWriter.seed(store());
    try (StoreSnapshot snapshot = StoreCore.snapshot(store())) {
      MovingWriter.step(store());
      ScanPage first = snapshot.scanAll(ListScope.MAINTENANCE, 1, "");
      List<StateRecord> read = new ArrayList<>(first.records());
      read.addAll(rest(snapshot, first.continuation()));
      MovingWriter.assertSnapshot(read, before);
    }
  }

  /** The same through {@code scanKindForTenant}: a record moved out of the tenant is still read. */
  @Test
  default void snapshot_scanKindForTenant_readsTheStateItOpenedOn() {
    List<StateRecord> before = MovingWriter.seed(store());
    List<StateRecord> read = new ArrayList<>();
    try (StoreSnapshot snapshot = StoreCore.snapshot(store())) {
      ScanPage page = snapshot.scanKindForTenant(ListScope.MAINTENANCE, "z", "k", 1, "");
      read.addAll(page.records());
      MovingWriter.step(store());
      while (!page.continuation().isEmpty()) {
        page = snapshot.scanKindForTenant(ListScope.MAINTENANCE, "z", "k", 1, page.continuation());
        read.addAll(page.records());
      }
    }
    assertThat(read)
        .containsExactlyElementsOf(
            before.stream().filter(r -> r.identity().tenantId().equals("z")).toList());
  }

  /** The view's scans check as the store's do, and a continuation of one is valid on the other. */
  @Test
  default void snapshot_checksAndContinuations_areTheStores() {
    List<StateRecord> before = MovingWriter.seed(store());
    try (StoreSnapshot snapshot = StoreCore.snapshot(store())) {
      assertThatThrownBy(() -> snapshot.scanAll(ListScope.NONE, 1, ""))
          .isInstanceOf(MaintenanceScopeRequiredException.class);
      assertThatThrownBy(() -> snapshot.scanAll(ListScope.MAINTENANCE, 0, ""))
          .isInstanceOf(InvalidScanException.class);
      assertThatThrownBy(() -> snapshot.scanAll(ListScope.MAINTENANCE, 1, "%%%"))
          .isInstanceOf(InvalidScanException.class);
      assertThatThrownBy(() -> snapshot.scanKindForTenant(ListScope.MAINTENANCE, "", "k", 1, ""))
          .isInstanceOf(InvalidScanException.class);
      String live = store().scanAll(ListScope.MAINTENANCE, 2, "").continuation();
      assertThat(snapshot.scanAll(ListScope.MAINTENANCE, 1000, live).records())
          .containsExactlyElementsOf(before.subList(2, before.size()));
      // A refused call does not spend the snapshot.
      assertThat(snapshot.scanAll(ListScope.MAINTENANCE, 1000, "").records())
          .containsExactlyElementsOf(before);
    }
  }

  /** A closed view refuses its scans; closing it again is fine; the store goes on. */
  @Test
  default void snapshot_closed_refusesScans_andTheStoreGoesOn() {
    MovingWriter.seed(store());
    StoreSnapshot snapshot = StoreCore.snapshot(store());
    snapshot.close();
    assertThatThrownBy(() -> snapshot.scanAll(ListScope.MAINTENANCE, 1, ""))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    snapshot.close();
    assertThat(store().find(new Quadruple("a", "u", "s", ""), "k1")).isPresent();
    try (StoreSnapshot again = StoreCore.snapshot(store())) {
      assertThat(again.scanAll(ListScope.MAINTENANCE, 1000, "").records()).hasSize(5);
    }
  }

  /**
   * Closing the store closes a view still open, without waiting for its user (CONTRACT.md 4.12: no
   * resource outlives close); the view's later scans throw {@code StoreClosedException}.
   */
  @Test
  default void storeClose_closesAnOpenSnapshot_withoutWaitingForIt() {
    MovingWriter.seed(store());
    StoreSnapshot snapshot = StoreCore.snapshot(store());
    assertThat(snapshot.scanAll(ListScope.MAINTENANCE, 1, "").records()).hasSize(1);
    // A hang guard, not a timing: close must not wait for the view's user.
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> store().close());
    assertThatThrownBy(() -> snapshot.scanAll(ListScope.MAINTENANCE, 1, ""))
        .isInstanceOf(StoreClosedException.class);
    snapshot.close();
    assertThatThrownBy(() -> StoreCore.snapshot(store())).isInstanceOf(StoreClosedException.class);
  }

  /**
   * {@code operationTimeout} bounds each page's reading, not the view's life: a reader that pauses
   * longer than it between pages goes on reading the same state.
   *
   * @throws InterruptedException if the test thread is interrupted
   */
  @Test
  default void snapshot_outlivesOperationTimeout_eachPageIsBoundedNotItsLife()
      throws InterruptedException {
    List<StateRecord> before = MovingWriter.seed(store());
    List<StateRecord> read = new ArrayList<>();
    try (StoreSnapshot snapshot = StoreCore.snapshot(store())) {
      ScanPage first = snapshot.scanAll(ListScope.MAINTENANCE, 2, "");
      read.addAll(first.records());
      MovingWriter.step(store());
      // Longer than the timeout, by construction: the point is the view's age, not a timing.
      Thread.sleep(operationTimeout().toMillis() * 3 / 2);
      read.addAll(rest(snapshot, first.continuation()));
    }
    MovingWriter.assertSnapshot(read, before);
  }
}
