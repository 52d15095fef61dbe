package dev.harbor.state.crypto;

import dev.harbor.state.StateStore;
import dev.harbor.state.tck.StateStoreTck;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The conformance kit on a wrapped store: each scenario gets a fresh inner store (from the
 * subclass), a fresh keyring and KEK in a directory of its own, removed afterwards.
 */
abstract class WrappedTck extends StateStoreTck {

  private final Map<StateStore, Path> dirs = new ConcurrentHashMap<>();
  private final Map<StateStore, TenantKeys> keyrings = new ConcurrentHashMap<>();

  /** A fresh, empty inner store with the kit's clock and room for the envelope. */
  protected abstract StateStore newInner();

  /** Removes what {@link #newInner} created, after the store closed. */
  protected abstract void disposeInner(StateStore wrapped);

  @Override
  protected final StateStore newStore() {
    Path dir = TestKeys.newDirectory("harbor-crypto-tck");
    TenantKeys keys = TestKeys.newKeyring(dir);
    StateStore store = PayloadEncryption.wrap(newInner(), keys);
    dirs.put(store, dir);
    keyrings.put(store, keys);
    return wrapped(store);
  }

  /**
   * Called with the wrapped store right after {@link #newInner} on the same thread: a subclass keys
   * what it created by it.
   */
  protected StateStore wrapped(StateStore store) {
    return store;
  }

  @Override
  protected final void dispose(StateStore store) {
    disposeInner(store);
    TenantKeys keys = keyrings.remove(store);
    if (keys != null) {
      keys.close();
    }
    Path dir = dirs.remove(store);
    if (dir != null) {
      TestKeys.deleteRecursively(dir);
    }
  }
}
