package dev.harbor.state.spi;

/**
 * A live view of the connection pool a store owns, for gauges. A store over a pool the application
 * owns publishes none: the application observes its own pool.
 */
public interface StorePool {

  /**
   * The pool's name, unique in the process.
   *
   * @return such as {@code "harbor-state-postgres-1"}
   */
  String name();

  /**
   * Connections lent to calls right now.
   *
   * @return a count, or 0 before the pool started
   */
  int active();

  /**
   * Connections open and waiting to be lent.
   *
   * @return a count
   */
  int idle();

  /**
   * Callers waiting for a connection right now.
   *
   * @return a count
   */
  int pending();

  /**
   * The most connections the pool opens.
   *
   * @return the pool's size limit
   */
  int max();
}
