/**
 * Reliability tests over every driver: model-based sequences, concurrent properties, hostile input,
 * faults injected into the backends, and linearizability of recorded concurrent histories. Tests
 * only; {@code docs/RELIABILITY.md} lists each guarantee, the test that checks it and the counts of
 * the last full run.
 *
 * <p>Most tests are written once, as abstract properties classes ({@code ModelBasedProperties},
 * {@code ConcurrentProperties}, {@code HostileInputProperties}, {@code LinearizabilityProperties})
 * over a {@code StoreUnderTest}, and run per driver by short subclasses named after the driver
 * ({@code SqliteModelBasedTest}, ...); {@code Drivers} opens each driver's store. The fault tests
 * are per driver ({@code SqliteFaultsTest}, {@code PostgresFaultsTest}). {@code ModelStore} is the
 * oracle: the contract as a plain, single-threaded list of records. {@code HistoryRecorder} records
 * concurrent histories (several store instances, threads, an SQLite client process, faults and
 * interrupts), {@code LinearizabilityChecker} decides them against the model, and {@code
 * HistoryShrinker} cuts a violating history down to what shows the violation. {@code Mutations} are
 * deliberately broken in-memory stores that {@code MutationsAreCaughtTest} requires the checker to
 * catch.
 *
 * <p>Everything here is package-private. Start with {@code ModelStore}, then {@code
 * ModelBasedProperties}; for concurrency, {@code LinearizabilityProperties} and the checker's class
 * comment.
 */
package dev.harbor.state.reliability;
