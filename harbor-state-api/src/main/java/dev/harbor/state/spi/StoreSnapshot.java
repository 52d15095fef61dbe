package dev.harbor.state.spi;

import dev.harbor.state.ListScope;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StoreClosedException;

/**
 * A read view of one consistent state of a store, for exports, copies and audits that must see the
 * store as it was at one instant (docs/CONTRACT.md 4.11): opened by {@link StoreCore#snapshot},
 * read with the store's own scans, closed by its user.
 *
 * <p>Its scans are the store's {@code scanAll} and {@code scanKindForTenant}, with the same checks,
 * limits and continuations (a continuation of one is valid on the other), read from the state the
 * store held when the view opened: a batch is seen whole or not at all, a record moved between
 * slots is seen once, at its slot of that instant, and every record of that instant is seen. Writes
 * go on meanwhile and are not seen.
 *
 * <p>Costs, by driver: {@code inmem} copies its slot index when the view opens (references to the
 * stored records, not their payloads); SQLite holds one read transaction on a connection of the
 * view's own, which keeps WAL checkpoints from getting past it, so the WAL file grows until the
 * view closes ({@code sqlite::memory:} copies the database to a private temporary file, holding
 * back writes while it copies); PostgreSQL holds one connection of the store's pool in a {@code
 * REPEATABLE READ READ ONLY} transaction, which keeps VACUUM from removing rows that died after it
 * began. Each page's reading is bounded by the store's {@code operationTimeout}; the view's life is
 * not, so close it promptly (try-with-resources).
 *
 * <p>Thread-safe: calls on one view are served one at a time. Closing the store closes every view
 * still open, once the calls in flight have returned; a later call throws {@link
 * StoreClosedException}.
 */
public final class StoreSnapshot implements AutoCloseable {

  private final StoreCore core;
  private final StoreDriver.Snapshot view;
  private final StoreContext context;
  private boolean closed; // guarded by this

  StoreSnapshot(StoreCore core, StoreDriver.Snapshot view, StoreContext context) {
    this.core = core;
    this.view = view;
    this.context = context;
  }

  /**
   * One page of the whole store in slot order, as {@link dev.harbor.state.StateStore#scanAll}, in
   * the snapshot's state.
   *
   * @param scope must be {@link ListScope#MAINTENANCE}
   * @param limit 1..1000
   * @param continuation {@code ""} (or {@code null}) for the first page, else the previous page's
   * @return the page; its continuation is empty exactly when no further row exists in the snapshot
   * @throws dev.harbor.state.MaintenanceScopeRequiredException without the maintenance claim
   * @throws dev.harbor.state.InvalidScanException if the limit is out of range or the continuation
   *     is not one of {@code scanAll}
   * @throws StoreClosedException if the store is closed
   * @throws IllegalStateException if this view is closed
   */
  public synchronized ScanPage scanAll(ListScope scope, int limit, String continuation) {
    return core.scanAll(this::open, scope, limit, continuation);
  }

  /**
   * One page of a tenant's records, as {@link dev.harbor.state.StateStore#scanKindForTenant}, in
   * the snapshot's state.
   *
   * @param scope must be {@link ListScope#MAINTENANCE}
   * @param tenantId the tenant, non-empty
   * @param kindPrefix a non-empty literal prefix
   * @param limit 1..256
   * @param continuation {@code ""} (or {@code null}) for the first page, else the previous page's
   * @return the page; its continuation is empty exactly when no further row exists in the snapshot
   * @throws dev.harbor.state.MaintenanceScopeRequiredException without the maintenance claim
   * @throws dev.harbor.state.InvalidScanException if the tenant or prefix is empty or malformed,
   *     the limit is out of range, or the continuation is not valid for this tenant and prefix
   * @throws StoreClosedException if the store is closed
   * @throws IllegalStateException if this view is closed
   */
  public synchronized ScanPage scanKindForTenant(
      ListScope scope, String tenantId, String kindPrefix, int limit, String continuation) {
    return core.scanKindForTenant(this::open, scope, tenantId, kindPrefix, limit, continuation);
  }

  /** The driver's view, once the call has entered the store; throws if this view is closed. */
  private StoreDriver.Snapshot open() {
    if (closed) {
      throw new IllegalStateException("the snapshot of " + context.where() + " is closed");
    }
    return view;
  }

  /**
   * Releases the snapshot (its connection and transaction). Idempotent; also done by the store's
   * close.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    context.untrack(this);
    view.close();
  }

  /**
   * Where the snapshot's store keeps its data, and whether the view is closed; never a credential.
   *
   * @return such as {@code "StoreSnapshot[sqlite database /tmp/a.db, open]"}
   */
  @Override
  public synchronized String toString() {
    return "StoreSnapshot[" + context.where() + (closed ? ", closed]" : ", open]");
  }
}
