package dev.harbor.state.spi;

import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A throwaway place for a store, made by a driver from a base location ({@link
 * StateStoreProvider#scratch}): a fresh schema in the base's PostgreSQL database, a fresh directory
 * beside the base's SQLite file, a new in-memory store. Tools that must never touch the user's data
 * (certify, bench) and tests work in one and {@link #close()} it, which removes it with everything
 * in it. Only the driver reads its locations, so only the driver knows how to make and remove one.
 *
 * <p>Thread-safe. Closing twice is harmless.
 */
public interface ScratchLocation extends AutoCloseable {

  /**
   * The location of the scratch store, for {@link dev.harbor.state.StateStores#open(String)}; it
   * carries the base location's options. Every open of it reaches the same store, except where
   * every open of the base is a new store anyway ({@code inmem:}, {@code sqlite::memory:}).
   *
   * @return a location with the base's driver; may hold the base's password, like the base itself
   */
  String location();

  /**
   * A JDBC URL of the scratch's database, for work beside the store on the same backend (a raw
   * baseline, a check by plain SQL), used with {@link #jdbcProperties()}.
   *
   * @return the URL; empty where the store's data has no JDBC face (inmem, a private SQLite
   *     in-memory database)
   */
  Optional<String> jdbcUrl();

  /**
   * The connection properties to go with {@link #jdbcUrl()}: credentials, and the backend's
   * connection options from the base location. For PostgreSQL, pgjdbc's {@code currentSchema} is
   * the scratch schema, so unqualified names land there.
   *
   * @return a new copy, for the caller to change; empty if none are needed
   */
  Properties jdbcProperties();

  /**
   * What and where the scratch is, for messages and reports; never a credential.
   *
   * @return such as {@code schema harbor_bench_0f3a… at host db:5432, database app} or {@code
   *     directory /srv/.harbor_certify_0f3a…}
   */
  String describe();

  /**
   * Removes the scratch and everything in it. Close the stores opened in it first.
   *
   * @throws dev.harbor.state.StorageException if the backend cannot remove it
   */
  @Override
  void close();

  /**
   * A fresh name for a scratch, {@code harbor_<label>_<16 hex digits>}: a plain identifier in every
   * backend, and the label tells whose a leftover is.
   *
   * @param label a short lower-case word naming the user, such as {@code bench} or {@code test}
   * @return the name
   * @throws IllegalArgumentException if the label is not 1 to 16 lower-case letters and digits,
   *     starting with a letter
   */
  static String newName(String label) {
    if (label == null || !label.matches("[a-z][a-z0-9]{0,15}")) {
      throw new IllegalArgumentException(
          "a scratch label is 1 to 16 lower-case letters and digits, starting with a letter: "
              + label);
    }
    // %x prints a negative long as its two's complement: always 16 digits.
    return String.format(
        Locale.ROOT, "harbor_%s_%016x", label, ThreadLocalRandom.current().nextLong());
  }
}
