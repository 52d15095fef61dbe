package dev.harbor.state.cli;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.Locations;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where {@code certify} opens its fresh stores for one location, and how it removes them: a new
 * PostgreSQL schema per store (dropped after), a new SQLite file per store in a temporary directory
 * beside the location's file (deleted after), or a new in-memory store.
 */
abstract class CertifyTarget implements AutoCloseable {

  private static final SecureRandom RANDOM = new SecureRandom();

  final StateConfig base;
  private final Map<StateStore, String> resources =
      Collections.synchronizedMap(new IdentityHashMap<>());

  CertifyTarget(StateConfig base) {
    this.base = base;
  }

  /**
   * The target for a location.
   *
   * @param location the location to certify
   * @return the target
   * @throws InvalidConfigException if the location is malformed or its driver is not one certify
   *     can isolate
   */
  static CertifyTarget of(String location) {
    StateConfig config = StateConfig.parse(location);
    return switch (config.driver()) {
      case "inmem" -> new InMemory(config);
      case "sqlite" -> new Sqlite(config);
      case "postgres" -> new Postgres(config);
      default ->
          throw new InvalidConfigException(
              "certify needs a fresh store per scenario and knows how to make one "
                  + "for inmem, sqlite and postgres locations, not for driver '"
                  + config.driver()
                  + "'");
    };
  }

  /** The driver name certified. */
  String driver() {
    return base.driver();
  }

  /** A fresh, empty store with the kit's clock. */
  final StateStore open(Clock clock) {
    String resource = newResource();
    StateStore store;
    try {
      store = StateStores.open(configFor(resource).withClock(clock));
    } catch (RuntimeException e) {
      remove(resource);
      throw e;
    }
    resources.put(store, resource);
    return store;
  }

  /** Removes what {@link #open} created for {@code store} (which is closed). */
  final void dispose(StateStore store) {
    String resource = resources.remove(store);
    if (resource != null) {
      remove(resource);
    }
  }

  /** Removes whatever is left. */
  @Override
  public void close() {
    List<String> left;
    synchronized (resources) {
      left = new ArrayList<>(resources.values());
      resources.clear();
    }
    for (String resource : left) {
      remove(resource);
    }
  }

  static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  abstract String newResource();

  abstract StateConfig configFor(String resource);

  abstract void remove(String resource);

  /** A new in-memory store each time: nothing to remove. */
  static final class InMemory extends CertifyTarget {
    InMemory(StateConfig base) {
      super(base);
    }

    @Override
    String newResource() {
      return "";
    }

    @Override
    StateConfig configFor(String resource) {
      return base;
    }

    @Override
    void remove(String resource) {}
  }

  /**
   * A new file per store in a temporary directory next to the location's file; {@code :memory:}
   * needs none.
   */
  static final class Sqlite extends CertifyTarget {
    private static final String MEMORY = ":memory:";
    private final Path dir;
    private int next;

    Sqlite(StateConfig base) {
      super(base);
      if (MEMORY.equals(base.location())) {
        dir = null;
        return;
      }
      Path parent = Paths.get(base.location()).toAbsolutePath().getParent();
      try {
        dir = Files.createTempDirectory(parent, ".harbor-certify-");
      } catch (IOException e) {
        throw new StorageException(
            "cannot create a directory for certify files in " + parent + ": " + e, false, e);
      }
    }

    @Override
    synchronized String newResource() {
      return dir == null ? MEMORY : dir.resolve("tck-" + (++next) + ".db").toString();
    }

    @Override
    StateConfig configFor(String resource) {
      return StateConfig.builder()
          .driver("sqlite")
          .location(resource)
          .options(base.options())
          .build();
    }

    @Override
    void remove(String resource) {
      if (MEMORY.equals(resource)) {
        return;
      }
      for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
        try {
          Files.deleteIfExists(Paths.get(resource + suffix));
        } catch (IOException e) {
          // Best effort: the directory is removed at close, and a leftover file only costs disk.
        }
      }
    }

    @Override
    public void close() {
      super.close();
      TempDirs.deleteQuietly(dir);
    }
  }

  /**
   * A new schema {@code harbor_certify_<random>} per store, dropped through plain JDBC afterwards.
   */
  static final class Postgres extends CertifyTarget {
    private static final Pattern SCHEMA = Pattern.compile("harbor_certify_[0-9a-f]{16}");

    /**
     * Options passed on to the JDBC connection that drops schemas; the rest belong to the driver.
     */
    private static final Set<String> JDBC_OPTIONS =
        Set.of(
            "user",
            "password",
            "ssl",
            "sslmode",
            "sslrootcert",
            "sslcert",
            "sslkey",
            "sslpassword",
            "connectTimeout",
            "socketTimeout",
            "options");

    Postgres(StateConfig base) {
      super(base);
    }

    @Override
    String newResource() {
      return "harbor_certify_" + randomHex(8);
    }

    @Override
    StateConfig configFor(String resource) {
      return base.withOption("schema", resource);
    }

    @Override
    void remove(String schema) {
      if (!SCHEMA.matcher(schema).matches()) {
        throw new IllegalStateException("not a certify schema: " + schema);
      }
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        // DDL takes no parameters; the name is generated above and checked against SCHEMA.
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      } catch (SQLException e) {
        throw new StorageException(
            "cannot drop certify schema "
                + schema
                + " at "
                + Locations.redact(base.location())
                + ": "
                + e.getMessage(),
            true,
            e);
      }
    }

    private Connection connect() throws SQLException {
      String location = base.location();
      Properties props = new Properties();
      String url;
      if (location.regionMatches(true, 0, "jdbc:", 0, 5)) {
        url = location;
      } else {
        URI uri;
        try {
          uri = new URI(location);
        } catch (URISyntaxException e) {
          throw new InvalidConfigException(
              "malformed PostgreSQL location " + Locations.redact(location), e);
        }
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
          int colon = userInfo.indexOf(':');
          props.setProperty("user", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
          if (colon >= 0) {
            props.setProperty("password", decode(userInfo.substring(colon + 1)));
          }
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        url =
            "jdbc:postgresql://"
                + uri.getHost()
                + ":"
                + (uri.getPort() < 0 ? 5432 : uri.getPort())
                + (path.isEmpty() ? "/" : path);
      }
      base.options()
          .forEach(
              (k, v) -> {
                if (JDBC_OPTIONS.contains(k)) {
                  props.setProperty(k, v);
                }
              });
      return DriverManager.getConnection(url, props);
    }

    private static String decode(String s) {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
  }
}
