/**
 * Harbor State's API: what an application compiles against to keep opaque records in slots keyed by
 * (tenant, user, session, run, kind), whichever driver stores them.
 *
 * <p>Everything here is public and is the contract ({@code docs/CONTRACT.md} in the repository says
 * it in prose): the value records ({@link dev.harbor.state.Identity}, {@link
 * dev.harbor.state.Quadruple}, {@link dev.harbor.state.EventId}, {@link
 * dev.harbor.state.StateRecord}, {@link dev.harbor.state.SlotExpectation}, {@link
 * dev.harbor.state.ListScope}, {@link dev.harbor.state.ScanPage}), the store interface {@link
 * dev.harbor.state.StateStore}, the sealed, unchecked exception hierarchy rooted at {@link
 * dev.harbor.state.StateStoreException}, the registry {@link dev.harbor.state.StateStores} with its
 * {@link dev.harbor.state.StateConfig}, and the scan continuation codec {@link
 * dev.harbor.state.ScanContinuations}, which lives here so every driver produces and accepts the
 * same strings. The only package-private code is the ULID generator behind {@link
 * dev.harbor.state.EventId#newId()}.
 *
 * <p>Value records never throw on construction: {@code null} strings and ids become empty values
 * and byte arrays are copied in and out. Checking happens once, at the store's boundary, so a bad
 * value always surfaces as the contract's exception rather than as an accident of where it was
 * built. The module depends on nothing but the JDK (and JSpecify's annotations), which a rule of
 * the architecture tests keeps true.
 *
 * <p>Start with {@link dev.harbor.state.StateStore}: its class comment gives the validation order
 * and each method's comment its semantics and exceptions. Then {@link dev.harbor.state.StateRecord}
 * for what is stored, and {@link dev.harbor.state.StateStores} for opening a store from a location
 * such as {@code sqlite:./state.db}. Drivers and the code they share are in {@link
 * dev.harbor.state.spi}.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state;
