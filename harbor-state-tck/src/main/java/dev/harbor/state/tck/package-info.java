/**
 * The conformance kit (TCK): the scenarios every driver passes unchanged, with no capability
 * switches and no skips. It is main code, published, so third-party drivers can run it too.
 *
 * <p>The only public type is {@link dev.harbor.state.tck.StateStoreTck}, an abstract JUnit 5 class:
 * a driver's test extends it and says how to open a fresh, empty store. {@code StateStoreTck} is
 * the index: one {@code @Nested} one-liner per capability, each binding a package-private scenario
 * class ({@code SaveAndLoadScenarios}, {@code IdempotencyScenarios}, {@code SaveIfScenarios},
 * {@code FenceIfScenarios}, {@code ListingScenarios}, {@code ScanScenarios}, {@code
 * LifecycleScenarios}, …) to the driver's store. Checks that every method must pass alike (bad
 * strings, nulls, a missing identity, a closed store, an interrupted caller, limits) are tables
 * over the methods in {@code StoreMethods}, run as dynamic tests named after the rule. {@code
 * Scenarios} is the scenario classes' base, {@code Kit} their fixtures, {@code Race} the helpers
 * that steer concurrent calls, {@code MutableClock} a clock the kit moves.
 *
 * <p>Start with {@link dev.harbor.state.tck.StateStoreTck}: its list of groups is the table of
 * contents of the contract. {@code harbor-state certify} runs the same kit against a live location.
 *
 * <p>Unlike the library packages, this one is not {@code @NullMarked}: the kit passes {@code null}
 * to the API on purpose, to pin down what the contract says a null argument means.
 */
package dev.harbor.state.tck;
