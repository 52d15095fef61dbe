package dev.harbor.state.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PgBouncer in front of the test database, on a free loopback port, for one test class:
 * {@link #start} writes a {@code pgbouncer.ini} and a user list into a temporary directory and
 * starts {@code pgbouncer} as a child process; {@link #close} stops it and deletes the directory.
 *
 * <p>PgBouncer refuses to run as root ("PgBouncer should not run as root"); as root (as CI runs) it
 * is started with {@code -u postgres} and its directory is handed to that user. The Debian package
 * {@code pgbouncer} provides the program ({@code .ci/run} installs it when missing); if it is not
 * installed, {@link #start} fails with that instruction: tests never skip.
 *
 * <p>The pooler trusts loopback clients (the test server's own authentication applies between
 * PgBouncer and the server) and ignores pgjdbc's {@code extra_float_digits} startup parameter,
 * which PgBouncer otherwise rejects: the one setting every pgjdbc deployment behind PgBouncer
 * needs.
 */
public final class TestPgBouncer implements AutoCloseable {

  private static final String[] PROGRAMS = {"/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"};

  private final Process process;
  private final Path dir;
  private final int port;
  private final String user;
  private final String database;
  private final String poolMode;

  private TestPgBouncer(
      Process process, Path dir, int port, String user, String database, String poolMode) {
    this.process = process;
    this.dir = dir;
    this.port = port;
    this.user = user;
    this.database = database;
    this.poolMode = poolMode;
  }

  /**
   * Starts PgBouncer in front of the test database ({@link TestPostgres#url()}).
   *
   * @param poolMode {@code transaction} or {@code session}
   * @return the running pooler; close it after the test
   */
  public static TestPgBouncer start(String poolMode) {
    return start(poolMode, List.of());
  }

  /**
   * Starts PgBouncer in front of the test database, letting more login roles through (each logs in
   * to the server as itself; the server's own authentication applies).
   *
   * @param poolMode {@code transaction} or {@code session}
   * @param otherUsers more roles the pooler accepts, such as a test's least-privilege role
   * @return the running pooler; close it after the test
   */
  public static TestPgBouncer start(String poolMode, List<String> otherUsers) {
    TestPostgres.ensureReachable();
    URI server = URI.create(TestPostgres.url().replaceFirst("^postgres(ql)?://", "http://"));
    String userInfo = server.getUserInfo() == null ? "root" : server.getUserInfo();
    String user = userInfo.contains(":") ? userInfo.substring(0, userInfo.indexOf(':')) : userInfo;
    String password = userInfo.contains(":") ? userInfo.substring(userInfo.indexOf(':') + 1) : "";
    String host = server.getHost() == null ? "127.0.0.1" : server.getHost();
    int serverPort = server.getPort() < 0 ? 5432 : server.getPort();
    String database = server.getPath().replaceFirst("^/", "");
    String program = program();
    Path dir;
    try {
      dir = Files.createTempDirectory("harbor-pgbouncer-");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create PgBouncer's directory", e);
    }
    try {
      int port = freePort();
      Path ini = dir.resolve("pgbouncer.ini");
      Path users = dir.resolve("userlist.txt");
      StringBuilder userList = new StringBuilder("\"" + user + "\" \"" + password + "\"\n");
      for (String other : otherUsers) {
        userList.append("\"").append(other).append("\" \"\"\n");
      }
      Files.writeString(users, userList, StandardCharsets.UTF_8);
      Files.writeString(
          ini,
          String.join(
              "\n",
              "[databases]",
              "* = host="
                  + host
                  + " port="
                  + serverPort
                  + (password.isEmpty() ? "" : " password=" + password),
              "[pgbouncer]",
              "listen_addr = 127.0.0.1",
              "listen_port = " + port,
              "unix_socket_dir =",
              "auth_type = trust",
              "auth_file = " + users,
              "pool_mode = " + poolMode,
              "max_client_conn = 2000",
              // The shared test server has max_connections = 100 for every test run on the machine.
              "default_pool_size = 20",
              "ignore_startup_parameters = extra_float_digits",
              "logfile = " + dir.resolve("pgbouncer.log"),
              "log_connections = 0",
              "log_disconnections = 0",
              ""),
          StandardCharsets.UTF_8);
      List<String> command = new ArrayList<>(List.of(program));
      if (isRoot()) {
        UserPrincipal postgres =
            dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        for (Path p : new Path[] {dir, ini, users}) {
          Files.setOwner(p, postgres);
        }
        command.addAll(List.of("-u", "postgres"));
      }
      command.add(ini.toString());
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout.log").toFile())
              .start();
      TestPgBouncer bouncer = new TestPgBouncer(process, dir, port, user, database, poolMode);
      bouncer.awaitReady();
      return bouncer;
    } catch (IOException | RuntimeException | Error e) {
      deleteQuietly(dir);
      throw new IllegalStateException("cannot start PgBouncer (" + program + "): " + e, e);
    }
  }

  /**
   * The pooler's port on 127.0.0.1.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * The pooling mode it runs.
   *
   * @return {@code transaction} or {@code session}
   */
  public String poolMode() {
    return poolMode;
  }

  /**
   * A plain store location through the pooler, as an operator would write it.
   *
   * @param options {@code name=value} options, such as {@code schema=s}
   * @return such as {@code postgres://root@127.0.0.1:6432/test?schema=s}
   */
  public String location(String... options) {
    StringBuilder sb =
        new StringBuilder("postgres://" + user + "@127.0.0.1:" + port + "/" + database);
    for (String option : options) {
      sb.append(sb.indexOf("?") < 0 ? '?' : '&').append(option);
    }
    return sb.toString();
  }

  /**
   * A plain store location through the pooler for another of the roles it accepts.
   *
   * @param as the role, one of those given to {@link #start(String, List)}
   * @param options {@code name=value} options
   * @return the location
   */
  public String locationAs(String as, String... options) {
    return location(options).replaceFirst("^postgres://[^@]*@", "postgres://" + as + "@");
  }

  /**
   * A plain JDBC connection through the pooler (a client session of PgBouncer's).
   *
   * @return a new connection; the caller closes it
   * @throws SQLException if connecting fails
   */
  public Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    // Unnamed statements: a transaction pooler cannot keep named ones (PgBouncer 1.18).
    p.setProperty("prepareThreshold", "0");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
  }

  /**
   * PgBouncer's log so far, for failure messages.
   *
   * @return the log, or why it cannot be read
   */
  public String log() {
    try {
      return Files.readString(dir.resolve("pgbouncer.log"))
          + Files.readString(dir.resolve("stdout.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Stops PgBouncer (SIGTERM: immediate shutdown) and deletes its directory. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    deleteQuietly(dir);
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "PgBouncer exited with " + process.exitValue() + ": " + log());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 500);
        try (Connection c = connect()) {
          if (c.isValid(5)) {
            return;
          }
        }
      } catch (IOException | SQLException e) {
        last = e;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    close();
    throw new IllegalStateException("PgBouncer did not answer within 20 s: " + last + "\n" + log());
  }

  private static String program() {
    for (String p : PROGRAMS) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    String path = System.getenv("PATH");
    for (String d : (path == null ? "" : path).split(":", -1)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, "pgbouncer"))) {
        return Path.of(d, "pgbouncer").toString();
      }
    }
    throw new AssertionError(
        "these tests need PgBouncer and it is not installed: install the Debian package"
            + " (apt-get install -y pgbouncer), as .ci/run does");
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /**
   * A port that was free a moment ago on 127.0.0.1.
   *
   * @return the port
   */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A leftover temporary directory is harmless; the test's outcome stands.
    }
  }
}
