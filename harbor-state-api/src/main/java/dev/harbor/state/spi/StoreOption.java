package dev.harbor.state.spi;

/**
 * One documented option of a driver: its name, its default as text, and what it means. A driver
 * keeps its options as one list of these, which validation, the README table and the command line's
 * help all read from.
 *
 * @param name the option's name, as written in a location's query or a config map
 * @param defaultValue the default, in the same syntax a user writes
 * @param meaning one sentence on what it controls
 */
public record StoreOption(String name, String defaultValue, String meaning) {

  /** The payload limit every driver enforces (CONTRACT.md 4.1). */
  public static final StoreOption MAX_PAYLOAD_BYTES =
      new StoreOption(
          "maxPayloadBytes",
          "16MiB",
          "largest payload a record may carry (bytes; KiB/MiB suffixes)");

  /** The bound on one batch's bytes every driver enforces (CONTRACT.md 4.3, 4.5). */
  public static final StoreOption MAX_BATCH_BYTES =
      new StoreOption(
          "maxBatchBytes",
          "64MiB",
          "largest saveAll or saveBatchIf batch: its payloads plus its key strings (bytes; KiB/MiB"
              + " suffixes; at least maxPayloadBytes + 1536); a larger batch fails before anything is"
              + " sent");

  /** The bound on each call's waiting on the backend (CONTRACT.md 4.13). */
  public static final StoreOption OPERATION_TIMEOUT =
      new StoreOption(
          "operationTimeout",
          "30s",
          "longest a call waits on the backend (lock, busy, statement) before a transient"
              + " StorageException");

  /** The threshold above which a call is logged as slow (every driver). */
  public static final StoreOption SLOW_OPERATION =
      new StoreOption(
          "slowOperation",
          "1s",
          "a call that takes longer is logged at WARN (driver, operation, duration; never a payload);"
              + " 0 turns the warning off");
}
