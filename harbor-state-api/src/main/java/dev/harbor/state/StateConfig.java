package dev.harbor.state;

import dev.harbor.state.spi.Locations;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to open a store: the driver's name, a driver-specific location, options and the clock the
 * store stamps records with. Immutable. {@code toString} never shows a password.
 *
 * <p>Locations ({@link #parse}):
 *
 * <ul>
 *   <li>{@code inmem:} — a new in-memory store;
 *   <li>{@code sqlite:<path>} — a SQLite file; {@code sqlite::memory:} — a new private in-memory
 *       SQLite database;
 *   <li>{@code postgres://user[:password]@host[:port]/db[?schema=s&...]}, {@code postgresql://...}
 *       and {@code jdbc:postgresql://...} — PostgreSQL;
 *   <li>{@code <driver>:<location>} — any other registered driver.
 * </ul>
 *
 * Query parameters ({@code ?name=value&...}, URL-encoded) become options.
 *
 * @param driver the driver name; {@code null} means {@code "inmem"}
 * @param location the driver-specific location, without the query; never {@code null}
 * @param options the options, unmodifiable; never {@code null}
 * @param clock the clock that stamps records; {@code null} means {@link Clock#systemUTC()}
 */
public record StateConfig(
    String driver, String location, Map<String, String> options, Clock clock) {

  /** The driver used when none is named. */
  public static final String DEFAULT_DRIVER = "inmem";

  /**
   * Normalizes {@code null} values and copies the options.
   *
   * @param driver the driver name; {@code null} or empty means {@value #DEFAULT_DRIVER}
   * @param location the driver-specific location; {@code null} becomes {@code ""}
   * @param options the options, copied; {@code null} means none
   * @param clock the clock that stamps records; {@code null} means {@link Clock#systemUTC()}
   */
  public StateConfig {
    driver = driver == null || driver.isEmpty() ? DEFAULT_DRIVER : driver;
    location = location == null ? "" : location;
    options = options == null ? Map.of() : Map.copyOf(options);
    clock = clock == null ? Clock.systemUTC() : clock;
  }

  /**
   * A builder, starting from the in-memory driver, no options and the system clock.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Parses a location string such as {@code sqlite:./state.db?busyTimeout=5s}. This is what {@link
   * StateStores#open(String)} uses.
   *
   * @param location the location
   * @return the configuration, with the system clock
   * @throws InvalidConfigException if the location is empty, has no driver scheme, or its query is
   *     malformed
   */
  public static StateConfig parse(String location) {
    return Locations.parse(location);
  }

  /**
   * This configuration with another clock.
   *
   * @param clock the clock that stamps records
   * @return a copy with {@code clock} replaced
   */
  public StateConfig withClock(Clock clock) {
    return new StateConfig(driver, location, options, clock);
  }

  /**
   * This configuration with one option added or replaced.
   *
   * @param name the option's name
   * @param value the option's value
   * @return a copy with the option set
   */
  public StateConfig withOption(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(options);
    copy.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return new StateConfig(driver, location, copy, clock);
  }

  @Override
  public String toString() {
    return "StateConfig[driver="
        + driver
        + ", location="
        + Locations.redact(location)
        + ", options="
        + Locations.redactOptions(options)
        + ", clock="
        + clock
        + "]";
  }

  /** Builds a {@link StateConfig}. */
  public static final class Builder {
    private String driver = DEFAULT_DRIVER;
    private String location = "";
    private final Map<String, String> options = new LinkedHashMap<>();
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * Sets the driver's name.
     *
     * @param driver such as {@code "sqlite"}
     * @return this builder
     */
    public Builder driver(String driver) {
      this.driver = driver;
      return this;
    }

    /**
     * Sets the driver-specific location (without a query string).
     *
     * @param location such as {@code "./state.db"}
     * @return this builder
     */
    public Builder location(String location) {
      this.location = location;
      return this;
    }

    /**
     * Sets one option.
     *
     * @param name the option's name
     * @param value the option's value
     * @return this builder
     */
    public Builder option(String name, String value) {
      options.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Adds options.
     *
     * @param options names and values
     * @return this builder
     */
    public Builder options(Map<String, String> options) {
      options.forEach(this::option);
      return this;
    }

    /**
     * Sets the clock the store stamps records with.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return a new configuration
     */
    public StateConfig build() {
      return new StateConfig(driver, location, options, clock);
    }
  }
}
