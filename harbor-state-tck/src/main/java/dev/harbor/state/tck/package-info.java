/**
 * The conformance kit (TCK): the scenarios every driver passes unchanged, with no capability
 * switches and no skips. It is main code, published, so third-party drivers can run it too.
 *
 * <p>The only public type is {@link dev.harbor.state.tck.StateStoreTck}, an abstract JUnit 5 class:
 * a driver's test extends it and says how to open a fresh, empty store. Its {@code @Nested} groups
 * are the topics of the contract (saving and loading, the {@code updatedAt} range, contention,
 * lookups, identity, isolation, bad strings, batches, conditional writes, fences, deletion,
 * listing, scans, lifecycle). The rest is package-private: {@code Kit} (fixtures, the strings the
 * contract rejects, a many-threads runner), {@code MutableClock}, and the scenario classes that
 * grew too large to nest ({@code UpdatedAtRangeScenarios}, {@code ConcurrentIsolationScenarios}).
 *
 * <p>Start with {@link dev.harbor.state.tck.StateStoreTck}'s class comment: it lists every scenario
 * of the gate. {@code harbor-state certify} runs the same kit against a live location.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.tck;
