package dev.harbor.state.spi;

/**
 * The contract's size limits (docs/CONTRACT.md 4.1), the same on every driver. The core enforces
 * them; they are public so that tools can size their requests (a command-line export pages at
 * {@link #MAX_SCAN_LIMIT}).
 */
public final class Limits {

  /** The longest a slot string, event id or prefix may be, in UTF-8 bytes. */
  public static final int MAX_KEY_BYTES = 256;

  /**
   * The most a record's keys (tenant, user, session, run, kind and event id) count against a
   * batch's {@code maxBatchBytes}: six strings of {@link #MAX_KEY_BYTES}.
   */
  public static final int MAX_RECORD_KEY_BYTES = 6 * MAX_KEY_BYTES;

  /** The largest limit of {@code listKind(scope, prefix, limit)}. */
  public static final int MAX_LIST_LIMIT = 10_001;

  /** The largest limit of {@code listKindForIdentity(identity, prefix, limit)}. */
  public static final int MAX_IDENTITY_LIST_LIMIT = 1_000;

  /** The largest limit of {@code scanKindForTenant}. */
  public static final int MAX_SCAN_LIMIT = 256;

  /** The largest limit of {@code scanAll}. */
  public static final int MAX_SCAN_ALL_LIMIT = 1000;

  /** The largest limit of one step of {@code purge}, {@code eraseUser} and {@code eraseTenant}. */
  public static final int MAX_ERASE_LIMIT = 10_000;

  private Limits() {}
}
