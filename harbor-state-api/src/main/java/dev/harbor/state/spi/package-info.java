/**
 * The driver SPI: what a driver implements, and the one core every driver runs behind so that they
 * cannot drift apart.
 *
 * <p>A driver implements {@link dev.harbor.state.spi.StoreDriver}: the storage primitives and
 * nothing else. Its {@link dev.harbor.state.spi.StateStoreProvider}, registered in {@code
 * META-INF/services/dev.harbor.state.spi.StateStoreProvider} and found by {@link
 * dev.harbor.state.StateStores} through {@link java.util.ServiceLoader}, builds a {@link
 * dev.harbor.state.spi.StoreContext} and returns {@link dev.harbor.state.spi.StoreCore#open}: the
 * one {@link dev.harbor.state.StateStore}. The core checks closed, interrupted, identity and input
 * in the contract's order (the rules live in the package-private {@code Checks}), stamps {@code
 * updatedAt}, derives the convenience methods, and closes only after the calls in flight have
 * returned; so a driver sees only valid, stamped input. {@link dev.harbor.state.spi.StoreErrors}
 * words the exceptions whose text the contract fixes; {@link dev.harbor.state.spi.Limits} holds the
 * size limits. {@link dev.harbor.state.spi.StoreOption} and {@link dev.harbor.state.spi.Options}
 * are a driver's option table and its strict parser; the same table feeds validation at open, the
 * README and {@code harbor-state drivers}. {@link dev.harbor.state.spi.Locations} parses location
 * strings and redacts credentials.
 *
 * <p>Everything public here is public because drivers live in other modules, including third
 * parties'. Applications do not need this package, only {@link dev.harbor.state}.
 *
 * <p>Start with {@link dev.harbor.state.spi.StoreDriver}, then {@link
 * dev.harbor.state.spi.StoreCore}: one method per store operation, each "check, then one
 * primitive". The conformance kit ({@code harbor-state-tck}) is what a new driver must pass.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.spi;
