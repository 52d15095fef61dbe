package dev.harbor.state.cli;

import dev.harbor.state.EventId;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.spi.StoreCore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Writes records with {@code saveAll} in batches. Each batch is atomic and idempotent, so a re-run
 * of the same input is a no-op and a failure leaves earlier batches applied and nothing of the
 * failing one. A record whose slot or event id is already in the pending batch flushes it first (a
 * batch may not repeat either), which gives a stream "last one wins" semantics.
 *
 * <p>A batch is bounded by records and by bytes: the pending batch is written when it holds {@code
 * size} records, and before a record whose bytes would take it past the byte budget. A record
 * larger than the budget on its own goes alone; the store's {@code maxPayloadBytes}, not the
 * budget, decides whether it is accepted.
 */
final class Batcher {

  /** The default of {@code --batch-size}. */
  static final int DEFAULT_SIZE = 500;

  /** The largest {@code --batch-size}. */
  static final int MAX_SIZE = 10_000;

  /**
   * The default byte budget, 32 MiB: records near the default {@code maxPayloadBytes} (16 MiB) go
   * one or two at a time, while batches of small records stay bounded by count. It is far under
   * PostgreSQL's 1 GB cap on one value (the PostgreSQL driver sends a batch's payloads as one
   * {@code bytea[]} value) and small beside a default JVM heap (a quarter of memory), which holds
   * about three copies of a batch while it is sent: the records, the driver's copies and its
   * encoding.
   */
  static final long DEFAULT_BYTES = 32L << 20;

  /**
   * The largest byte budget, 256 MiB: a quarter of PostgreSQL's 1 GB cap on one value, leaving room
   * for the copies a batch needs in the heap while it is sent.
   */
  static final long MAX_BYTES = 256L << 20;

  /**
   * What a record costs beyond its payload: its six key strings at their 256-byte maximum plus
   * version and timestamp, rounded up. Even {@value #MAX_SIZE} empty records stay under the default
   * budget, so the byte bound only bites on payloads.
   */
  static final int RECORD_OVERHEAD = 2048;

  private final Consumer<List<StateRecord>> saveAll;
  private final int size;
  private final long budget;
  private final List<StateRecord> batch = new ArrayList<>();
  private final Set<List<String>> slots = new HashSet<>();
  private final Set<EventId> ids = new HashSet<>();
  private long bytes;
  private long firstLine;
  private long lastLine;
  private long written;

  /**
   * A batcher over a store's {@code saveAll}.
   *
   * @param saveAll writes one batch atomically, such as {@code store::saveAll}
   * @param size records per batch, 1..{@value #MAX_SIZE}
   * @param budget bytes per batch (payloads plus {@value #RECORD_OVERHEAD} a record), 1..{@value
   *     #MAX_BYTES}
   */
  Batcher(Consumer<List<StateRecord>> saveAll, int size, long budget) {
    if (size < 1 || size > MAX_SIZE) {
      throw new ExitCodes.InvalidInputException(
          "--batch-size must be 1.." + MAX_SIZE + ", not " + size);
    }
    if (budget < 1 || budget > MAX_BYTES) {
      throw new ExitCodes.InvalidInputException(
          "--batch-bytes must be 1.." + MAX_BYTES + ", not " + budget);
    }
    this.saveAll = saveAll;
    this.size = size;
    this.budget = budget;
  }

  /**
   * What a record counts against a byte budget: its payload plus {@value #RECORD_OVERHEAD}. The
   * pages {@link RecordSource} reads are sized by the same measure.
   */
  static long cost(StateRecord r) {
    return (long) r.size() + RECORD_OVERHEAD;
  }

  /** Checks a record against the API's validation rules; the failure names the line. */
  static void validate(StateRecord r, long line) {
    try {
      // The API's own rules, without a store: a bad line is named before anything is written.
      StoreCore.checkRecord(r, Integer.MAX_VALUE);
    } catch (StateStoreException e) {
      throw new ExitCodes.LocatedException("line " + line, e);
    }
  }

  /**
   * Adds a record, writing the pending batch first if needed.
   *
   * @param r the record
   * @param line its line number (or ordinal) for messages
   */
  void add(StateRecord r, long line) {
    List<String> slot =
        List.of(
            r.identity().tenantId(),
            r.identity().userId(),
            r.identity().sessionId(),
            r.identity().runId(),
            r.kind());
    long cost = cost(r);
    if (slots.contains(slot) || ids.contains(r.id()) || bytes + cost > budget) {
      flush();
    }
    if (batch.isEmpty()) {
      firstLine = line;
    }
    lastLine = line;
    batch.add(r);
    slots.add(slot);
    ids.add(r.id());
    bytes += cost;
    // Writing a full batch now, rather than when the next record comes, frees its memory early.
    if (batch.size() >= size || bytes >= budget) {
      flush();
    }
  }

  /** Writes the pending batch, if any. */
  void flush() {
    if (batch.isEmpty()) {
      return;
    }
    try {
      saveAll.accept(List.copyOf(batch));
    } catch (StateStoreException e) {
      String where =
          firstLine == lastLine ? "line " + firstLine : "lines " + firstLine + "-" + lastLine;
      throw new ExitCodes.LocatedException(where + " (batch not written)", e);
    }
    written += batch.size();
    batch.clear();
    bytes = 0;
    slots.clear();
    ids.clear();
  }

  /**
   * Records written so far (re-applied identical records count too: they are no-ops in the store).
   */
  long written() {
    return written;
  }
}
