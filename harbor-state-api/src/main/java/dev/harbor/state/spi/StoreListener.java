package dev.harbor.state.spi;

/**
 * Observes a store's calls: the one hook through which metrics and logging attach, once for all
 * drivers. The {@link StoreCore} calls {@link #called} once per {@link dev.harbor.state.StateStore}
 * call, after the call ended, on the caller's thread; drivers report what only they see (the size
 * of each group commit) through the other methods.
 *
 * <p>Attach a listener when opening by location with {@link
 * dev.harbor.state.StateStores#open(dev.harbor.state.StateConfig, StoreListener)}, or to any open
 * store with {@link StoreCore#addListener}. Implementations must be thread-safe and quick: they run
 * inside every call. An exception a listener throws never changes the call's result; it is reported
 * through {@link System.Logger} and otherwise ignored.
 */
public interface StoreListener {

  /**
   * One call has ended.
   *
   * @param call the driver, the method, the outcome and the duration; never a payload
   */
  void called(StoreCall call);

  /**
   * A driver that batches concurrent writes into one database transaction committed a batch. The
   * default does nothing; drivers without group commit never call it.
   *
   * @param driver the driver's name
   * @param writes how many callers' writes the one commit carried, at least 1
   */
  default void groupCommitted(String driver, int writes) {}
}
