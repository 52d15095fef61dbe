package dev.harbor.state.spi;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The options of one store, validated against its driver's {@link StoreOption} table at open.
 * Unknown names are an error unless the driver passes them through to its backend (see {@link
 * #passThrough()}). Every parse failure is an {@link InvalidConfigException} that names the option,
 * the value and the expected form.
 */
public final class Options {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

  private final String driver;
  private final Map<String, StoreOption> known = new LinkedHashMap<>();
  private final Map<String, String> values;
  private final Map<String, String> passThrough = new LinkedHashMap<>();

  private Options(
      String driver, List<StoreOption> table, Map<String, String> given, boolean allowUnknown) {
    this.driver = driver;
    table.forEach(o -> known.put(o.name(), o));
    this.values = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>();
    given.forEach(
        (name, value) -> {
          if (known.containsKey(name)) {
            values.put(name, value);
          } else if (allowUnknown) {
            passThrough.put(name, value);
          } else {
            unknown.add(name);
          }
        });
    if (!unknown.isEmpty()) {
      throw new InvalidConfigException(
          "unknown option"
              + (unknown.size() > 1 ? "s " : " ")
              + unknown
              + " for driver '"
              + driver
              + "'; known options: "
              + known.keySet());
    }
  }

  /**
   * Validates a configuration's options against a driver's table; unknown names are rejected.
   *
   * @param config the configuration
   * @param table the driver's options
   * @return the options
   * @throws InvalidConfigException if an option is unknown
   */
  public static Options of(StateConfig config, List<StoreOption> table) {
    return new Options(config.driver(), table, config.options(), false);
  }

  /**
   * Like {@link #of}, but keeps unknown names for the driver to hand to its backend (such as JDBC
   * properties).
   *
   * @param config the configuration
   * @param table the driver's options
   * @return the options
   */
  public static Options withPassThrough(StateConfig config, List<StoreOption> table) {
    return new Options(config.driver(), table, config.options(), true);
  }

  /**
   * The options that are not in the driver's table, when created by {@link #withPassThrough}.
   *
   * @return names and values, in the order given
   */
  public Map<String, String> passThrough() {
    return Map.copyOf(passThrough);
  }

  /**
   * The option's value as text, or its default.
   *
   * @param option an option of the driver's table
   * @return the value
   */
  public String text(StoreOption option) {
    return values.getOrDefault(require(option).name(), option.defaultValue());
  }

  /**
   * The option's value as one of a fixed set of words (case-insensitive), or its default.
   *
   * @param option an option of the driver's table
   * @param allowed the accepted words, lower case
   * @return the value, lower case
   * @throws InvalidConfigException if the value is not one of {@code allowed}
   */
  public String choice(StoreOption option, Set<String> allowed) {
    String value = text(option).strip().toLowerCase(Locale.ROOT);
    if (!allowed.contains(value)) {
      throw invalid(
          option, "one of " + allowed.stream().sorted().collect(Collectors.joining(", ")));
    }
    return value;
  }

  /**
   * The option's value as an integer within bounds, or its default.
   *
   * @param option an option of the driver's table
   * @param min the least accepted value
   * @param max the greatest accepted value
   * @return the value
   * @throws InvalidConfigException if the value is not an integer in {@code [min, max]}
   */
  public int integer(StoreOption option, int min, int max) {
    try {
      int value = Integer.parseInt(text(option).strip());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below with the expected form
    }
    throw invalid(option, "an integer from " + min + " to " + max);
  }

  /**
   * The option's value as a duration, or its default: {@code 250ms}, {@code 30s}, {@code 5m},
   * {@code 1h}, a plain number of milliseconds, or ISO-8601 ({@code PT30S}).
   *
   * @param option an option of the driver's table
   * @param min the least accepted duration
   * @return the value
   * @throws InvalidConfigException if the value is malformed or shorter than {@code min}
   */
  public Duration duration(StoreOption option, Duration min) {
    String text = text(option).strip();
    Duration value = null;
    Matcher m = DURATION.matcher(text);
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        value =
            switch (unit) {
              case "ms" -> Duration.ofMillis(n);
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              default -> Duration.ofHours(n);
            };
      } else if (text.toUpperCase(Locale.ROOT).startsWith("PT")) {
        value = Duration.parse(text);
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      value = null;
    }
    if (value == null || value.compareTo(min) < 0) {
      throw invalid(
          option, "a duration of at least " + min.toMillis() + "ms, such as 500ms, 30s or 5m");
    }
    return value;
  }

  /**
   * The option's value as a byte count, or its default: a plain number or one with a B, KiB, MiB or
   * GiB suffix.
   *
   * @param option an option of the driver's table
   * @param min the least accepted size
   * @param max the greatest accepted size
   * @return the value in bytes
   * @throws InvalidConfigException if the value is malformed or out of range
   */
  public long bytes(StoreOption option, long min, long max) {
    Matcher m = SIZE.matcher(text(option).strip());
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long factor =
            switch (unit) {
              case "kib", "kb" -> 1024L;
              case "mib", "mb" -> 1024L * 1024;
              case "gib", "gb" -> 1024L * 1024 * 1024;
              default -> 1L;
            };
        long value = Math.multiplyExact(n, factor);
        if (value >= min && value <= max) {
          return value;
        }
      }
    } catch (NumberFormatException | ArithmeticException e) {
      // reported below with the expected form
    }
    throw invalid(option, "a size from " + min + " to " + max + " bytes, such as 1048576 or 16MiB");
  }

  /**
   * The common payload limit ({@link StoreOption#MAX_PAYLOAD_BYTES}); the driver's table must list
   * it.
   *
   * @return the limit in bytes, 1 byte to 1 GiB
   */
  public int maxPayloadBytes() {
    return (int) bytes(StoreOption.MAX_PAYLOAD_BYTES, 1, 1L << 30);
  }

  /**
   * The common batch limit ({@link StoreOption#MAX_BATCH_BYTES}); the driver's table must list it.
   * It is at least the payload limit plus the largest keys of one record, so that any record {@code
   * save} accepts also fits in a batch of its own.
   *
   * @param maxPayloadBytes the store's payload limit
   * @return the limit in bytes, up to 1 TiB
   */
  public long maxBatchBytes(int maxPayloadBytes) {
    return bytes(
        StoreOption.MAX_BATCH_BYTES, maxPayloadBytes + Limits.MAX_RECORD_KEY_BYTES, 1L << 40);
  }

  /**
   * The common operation timeout ({@link StoreOption#OPERATION_TIMEOUT}); the driver's table must
   * list it.
   *
   * @return the timeout, at least 1 ms
   */
  public Duration operationTimeout() {
    return duration(StoreOption.OPERATION_TIMEOUT, Duration.ofMillis(1));
  }

  /**
   * The common slow-call threshold ({@link StoreOption#SLOW_OPERATION}); the driver's table must
   * list it.
   *
   * @return the threshold; {@link Duration#ZERO} means calls are never logged as slow
   */
  public Duration slowOperation() {
    return duration(StoreOption.SLOW_OPERATION, Duration.ZERO);
  }

  private StoreOption require(StoreOption option) {
    if (!known.containsKey(option.name())) {
      throw new IllegalArgumentException(
          "option " + option.name() + " is not in the table of driver " + driver);
    }
    return option;
  }

  private InvalidConfigException invalid(StoreOption option, String expected) {
    String shown = Locations.redactOptions(Map.of(option.name(), text(option))).get(option.name());
    return new InvalidConfigException(
        "option "
            + option.name()
            + "='"
            + shown
            + "' of driver '"
            + driver
            + "' is invalid; expected "
            + expected);
  }
}
