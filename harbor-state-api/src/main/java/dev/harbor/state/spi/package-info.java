/**
 * The driver SPI: what a driver implements, and the code every driver shares so that they cannot
 * drift apart.
 *
 * <p>A driver implements {@link dev.harbor.state.spi.StateStoreProvider} and registers it in {@code
 * META-INF/services/dev.harbor.state.spi.StateStoreProvider}; {@link dev.harbor.state.StateStores}
 * finds it with {@link java.util.ServiceLoader}. Its store calls the {@link
 * dev.harbor.state.spi.StoreGuard} method named after each operation before touching storage: the
 * guard decides closed, interrupted, identity and input errors in the contract's order, owns the
 * closed flag and stamps {@code updatedAt} from the store's clock, so those answers are the same
 * for every driver. {@link dev.harbor.state.spi.StoreOption} and {@link
 * dev.harbor.state.spi.Options} are a driver's option table and its strict parser (durations,
 * sizes, enumerations); the same table feeds validation at open, the README and {@code harbor-state
 * drivers}. {@link dev.harbor.state.spi.Locations} parses location strings and redacts credentials.
 *
 * <p>Everything here is public because drivers live in other modules, including third parties'.
 * Applications do not need this package, only {@link dev.harbor.state}.
 *
 * <p>Start with {@link dev.harbor.state.spi.StateStoreProvider}, then {@link
 * dev.harbor.state.spi.StoreGuard}: its methods, one per store operation, are the boundary checks
 * in the contract's order. The conformance kit ({@code harbor-state-tck}) is what a new driver must
 * pass.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.spi;
