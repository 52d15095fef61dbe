package dev.harbor.state.spring.boot;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code harbor.state.*} properties.
 *
 * <pre>
 * harbor.state.location=postgres://app@db:5432/app
 * harbor.state.options.schema=agents
 * harbor.state.options.operationTimeout=5s
 * </pre>
 */
@ConfigurationProperties(prefix = "harbor.state")
public class HarborStateProperties {

  private @Nullable String location;

  private Map<String, String> options = new LinkedHashMap<>();

  /** Creates empty properties; Spring binds them. */
  public HarborStateProperties() {}

  /**
   * The store's location, such as {@code sqlite:./state.db} or {@code postgres://app@db/app}.
   *
   * @return the location, or {@code null} when none is set: then the application's PostgreSQL
   *     {@code DataSource} if it has one, else {@code sqlite:./harbor-state.db}
   */
  public @Nullable String getLocation() {
    return location;
  }

  /**
   * Sets the store's location.
   *
   * @param location a location as {@code StateStores.open} takes it
   */
  public void setLocation(@Nullable String location) {
    this.location = location;
  }

  /**
   * The driver's options (see the README's tables), added to those of the location's query.
   *
   * @return the options by name
   */
  public Map<String, String> getOptions() {
    return options;
  }

  /**
   * Sets the driver's options.
   *
   * @param options the options by name
   */
  public void setOptions(Map<String, String> options) {
    this.options = new LinkedHashMap<>(options);
  }
}
