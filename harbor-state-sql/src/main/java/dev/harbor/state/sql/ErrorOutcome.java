package dev.harbor.state.sql;

import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.StorageException;

/**
 * What a database failure becomes for the caller: the column both SQL drivers' error tables share
 * (PostgreSQL's by SQLSTATE, SQLite's by result code). Internal to Harbor State: not an API, no
 * compatibility promise.
 */
public enum ErrorOutcome {
  /** {@link IdempotencyConflictException}: the event id's unique index refused a second slot. */
  IDEMPOTENCY_CONFLICT,
  /** {@link StorageException} with {@code isTransient() == true}: a later call may succeed. */
  TRANSIENT,
  /**
   * {@link StorageException} with {@code isTransient() == false}: needs someone to look (disk,
   * file, schema, credentials).
   */
  PERMANENT
}
