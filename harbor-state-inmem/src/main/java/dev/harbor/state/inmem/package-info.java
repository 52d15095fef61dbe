/**
 * The {@code inmem} driver: the contract's reference semantics, kept on the JVM heap, for tests and
 * examples. Nothing survives {@code close()}; each open is a new, empty store.
 *
 * <p>The only public class is {@link dev.harbor.state.inmem.InMemoryStateStoreProvider}, which
 * {@link java.util.ServiceLoader} instantiates; applications open a store with {@code
 * StateStores.open("inmem:")} and never name it. Everything else is package-private: {@code
 * InMemoryStore} (the driver behind the core), {@code Slot} (the key of its sorted map, with the
 * slot order every listing and scan walks) and {@code Utf8Order} (comparing strings as their UTF-8
 * bytes, the order the SQL drivers' collations give).
 *
 * <p>Obvious correctness beats speed here: one lock guards the whole state and every call holds it
 * for its whole step, so a reader never sees half a batch. Fences are the one subtlety: a fenced
 * slot is registered under the lock and the lock released while the caller's action runs, and
 * conditional writes to that slot wait for the fence to lift.
 *
 * <p>Start with {@code InMemoryStore}: its class comment describes the layout, the locking and the
 * fences.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.inmem;
