package dev.harbor.state.spring.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code harbor.state.*} properties. A key under {@code harbor.state} that none of these names,
 * such as a misspelled {@code harbor.state.locaton}, fails the start naming the key.
 *
 * <pre>
 * harbor.state.location=postgres://app@db:5432/app
 * harbor.state.options.schema=agents
 * harbor.state.options.operation-timeout=5s
 * </pre>
 */
// ignoreUnknownFields = false: a misspelled key must not silently fall back to a local file.
@ConfigurationProperties(prefix = "harbor.state", ignoreUnknownFields = false)
public class HarborStateProperties {

  /**
   * Where the store lives, such as sqlite:./state.db or postgres://app@db:5432/app. When not set,
   * harbor.state.fallback decides.
   */
  private @Nullable String location;

  /** What to use when harbor.state.location is not set. */
  private Fallback fallback = Fallback.AUTO;

  /**
   * The driver's options (the README's tables), added to those of the location's query. Names bind
   * relaxed: operation-timeout, operationTimeout and the environment's
   * HARBOR_STATE_OPTIONS_OPERATIONTIMEOUT are one option. An option that only another driver takes
   * is ignored with one WARN line.
   */
  private Map<String, String> options = new LinkedHashMap<>();

  /** The health indicator. */
  private final Health health = new Health();

  /** The chat memory beans for Spring AI and LangChain4j. */
  private final Chat chat = new Chat();

  /** The LangGraph4j checkpoint saver bean. */
  private final Langgraph4j langgraph4j = new Langgraph4j();

  /** The Google ADK session service bean. */
  private final Adk adk = new Adk();

  // Encryption (harbor.state.encryption.keyring, harbor.state.encryption.kek-file) goes here as a
  // nested class like Health, once harbor-state-crypto is merged.

  /** Creates the defaults; Spring binds the rest. */
  public HarborStateProperties() {}

  /**
   * The store's location, such as {@code sqlite:./state.db} or {@code postgres://app@db/app}.
   *
   * @return the location, or {@code null} when none is set: then {@link #getFallback()} decides
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
   * What to use when no location is set.
   *
   * @return the fallback; {@link Fallback#AUTO} by default
   */
  public Fallback getFallback() {
    return fallback;
  }

  /**
   * Sets what to use when no location is set.
   *
   * @param fallback {@link Fallback#AUTO}, or {@link Fallback#NONE} to make the location required
   */
  public void setFallback(Fallback fallback) {
    this.fallback = fallback;
  }

  /**
   * The driver's options (see the README's tables), added to those of the location's query, by name
   * as bound (relaxed forms are matched to the drivers' names when the store opens).
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

  /**
   * The health indicator's settings.
   *
   * @return the settings, bound from {@code harbor.state.health.*}
   */
  public Health getHealth() {
    return health;
  }

  /**
   * The chat memory beans' settings.
   *
   * @return the settings, bound from {@code harbor.state.chat.*}
   */
  public Chat getChat() {
    return chat;
  }

  /**
   * The LangGraph4j checkpoint saver bean's settings.
   *
   * @return the settings, bound from {@code harbor.state.langgraph4j.*}
   */
  public Langgraph4j getLanggraph4j() {
    return langgraph4j;
  }

  /**
   * The Google ADK session service bean's settings.
   *
   * @return the settings, bound from {@code harbor.state.adk.*}
   */
  public Adk getAdk() {
    return adk;
  }

  /** What the starter uses when {@code harbor.state.location} is not set. */
  public enum Fallback {
    /**
     * The application's PostgreSQL {@code DataSource} if it has one (in the schema its connections
     * use), else SQLite at {@code ./harbor-state.db}.
     */
    AUTO,
    /** Nothing: the location is required, and the start fails without it. */
    NONE
  }

  /** The {@code harbor.state.health.*} properties. */
  public static class Health {

    /**
     * Longest the health probe waits for the store's answer before it reports DOWN; the store's own
     * operationTimeout (30s by default) may be much longer.
     */
    private Duration timeout = Duration.ofSeconds(2);

    /** Creates the defaults; Spring binds the rest. */
    public Health() {}

    /**
     * The probe's bound.
     *
     * @return the timeout; 2 s by default
     */
    public Duration getTimeout() {
      return timeout;
    }

    /**
     * Sets the probe's bound.
     *
     * @param timeout a positive duration
     */
    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }
  }

  /** The {@code harbor.state.chat.*} properties. */
  public static class Chat {

    /**
     * Whether to define the chat memory beans (Spring AI ChatMemoryRepository, LangChain4j
     * ChatMemoryStore) when their library and Harbor State's adapter are on the class path.
     */
    private boolean enabled = true;

    /** The tenant every conversation of the chat memory beans belongs to. */
    private String tenant = "default";

    /** Creates the defaults; Spring binds the rest. */
    public Chat() {}

    /**
     * Whether the chat memory beans are defined.
     *
     * @return {@code true} by default
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the chat memory beans are defined.
     *
     * @param enabled {@code false} to define none
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * The chat memories' tenant.
     *
     * @return the tenant; {@code default} by default
     */
    public String getTenant() {
      return tenant;
    }

    /**
     * Sets the chat memories' tenant.
     *
     * @param tenant a tenant id
     */
    public void setTenant(String tenant) {
      this.tenant = tenant;
    }
  }

  /** The {@code harbor.state.langgraph4j.*} properties. */
  public static class Langgraph4j {

    /**
     * Whether to define a LangGraph4j BaseCheckpointSaver when langgraph4j-core and Harbor State's
     * saver are on the class path and the application has one StateSerializer bean.
     */
    private boolean enabled = true;

    /** The tenant every thread of the checkpoint saver bean belongs to. */
    private String tenant = "default";

    /** Creates the defaults; Spring binds the rest. */
    public Langgraph4j() {}

    /**
     * Whether the checkpoint saver bean is defined.
     *
     * @return {@code true} by default
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the checkpoint saver bean is defined.
     *
     * @param enabled {@code false} to define none
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * The checkpoint saver's tenant.
     *
     * @return the tenant; {@code default} by default
     */
    public String getTenant() {
      return tenant;
    }

    /**
     * Sets the checkpoint saver's tenant.
     *
     * @param tenant a tenant id
     */
    public void setTenant(String tenant) {
      this.tenant = tenant;
    }
  }

  /** The {@code harbor.state.adk.*} properties. */
  public static class Adk {

    /**
     * Whether to define a Google ADK BaseSessionService when google-adk and Harbor State's session
     * service are on the class path.
     */
    private boolean enabled = true;

    /**
     * The tenant every app's sessions belong to. When not set, each app name is a tenant of its own
     * (the session service's default mapping).
     */
    private @Nullable String tenant;

    /** Creates the defaults; Spring binds the rest. */
    public Adk() {}

    /**
     * Whether the session service bean is defined.
     *
     * @return {@code true} by default
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the session service bean is defined.
     *
     * @param enabled {@code false} to define none
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * The one tenant of every app's sessions.
     *
     * @return the tenant, or {@code null} (the default): each app its own tenant
     */
    public @Nullable String getTenant() {
      return tenant;
    }

    /**
     * Sets the one tenant of every app's sessions.
     *
     * @param tenant a tenant id, or {@code null} for each app its own
     */
    public void setTenant(@Nullable String tenant) {
      this.tenant = tenant;
    }
  }
}
