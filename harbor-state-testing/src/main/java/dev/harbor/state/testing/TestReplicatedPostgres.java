package dev.harbor.state.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A primary and a streaming standby of its own for one test: two new PostgreSQL clusters on free
 * loopback ports in a temporary directory, built with {@code initdb}, {@code pg_ctl} and {@code
 * pg_basebackup} from the machine's PostgreSQL (the newest {@code /usr/lib/postgresql/<v>/bin}).
 * The shared test server is not touched. {@link #close} stops both and deletes the directory.
 *
 * <p>PostgreSQL refuses to run as root; as root (as CI runs) every program runs as the {@code
 * postgres} operating-system user ({@code runuser -u postgres --}), which owns the directory. If
 * that is impossible the constructor fails with the reason: tests never skip.
 *
 * <p>The superuser is {@code root}, trusted on loopback (replication too), and the database is
 * {@code postgres}.
 */
public final class TestReplicatedPostgres implements AutoCloseable {

  private final Path dir;
  private final Path bin;
  private final Path primary;
  private final Path standby;
  private final int primaryPort;
  private final int standbyPort;

  /**
   * Builds and starts the pair, and waits until the standby streams (and, if synchronous, until the
   * primary counts it as its synchronous standby).
   *
   * @param synchronous whether a commit waits for the standby to have flushed it ({@code
   *     synchronous_standby_names = '*'})
   */
  public TestReplicatedPostgres(boolean synchronous) {
    this.bin = binaries();
    try {
      this.dir = Files.createTempDirectory("harbor-failover-");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a directory for the clusters", e);
    }
    this.primary = dir.resolve("primary");
    this.standby = dir.resolve("standby");
    this.primaryPort = TestPgBouncer.freePort();
    int other = TestPgBouncer.freePort();
    while (other == primaryPort) {
      other = TestPgBouncer.freePort();
    }
    this.standbyPort = other;
    try {
      if (isRoot()) {
        UserPrincipal postgres =
            dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(dir, postgres);
      }
      run(
          60,
          tool("initdb"),
          "-D",
          primary.toString(),
          "-U",
          "root",
          "--auth=trust",
          "-E",
          "UTF8",
          "--locale=C",
          "--no-sync");
      conf(
          primary,
          "port = " + primaryPort,
          "listen_addresses = '127.0.0.1'",
          "unix_socket_directories = '" + dir + "'",
          "wal_level = replica",
          "max_wal_senders = 4",
          "max_connections = 60",
          "shared_buffers = '32MB'",
          "synchronous_standby_names = '" + (synchronous ? "*" : "") + "'",
          "synchronous_commit = on");
      run(
          60,
          tool("pg_ctl"),
          "-D",
          primary.toString(),
          "-l",
          dir.resolve("primary.log").toString(),
          "-w",
          "-t",
          "60",
          "start");
      run(
          120,
          tool("pg_basebackup"),
          "-h",
          "127.0.0.1",
          "-p",
          Integer.toString(primaryPort),
          "-U",
          "root",
          "-D",
          standby.toString(),
          "-R",
          "-X",
          "stream",
          "--no-sync");
      // The standby inherits the primary's configuration; once promoted it has no standby of its
      // own, and a synchronous_standby_names it cannot satisfy would hold every commit forever.
      conf(standby, "port = " + standbyPort, "hot_standby = on", "synchronous_standby_names = ''");
      run(
          60,
          tool("pg_ctl"),
          "-D",
          standby.toString(),
          "-l",
          dir.resolve("standby.log").toString(),
          "-w",
          "-t",
          "60",
          "start");
      awaitStreaming(synchronous);
    } catch (IOException | RuntimeException | Error e) {
      close();
      throw new IllegalStateException("cannot build the primary and standby: " + e.getMessage(), e);
    }
  }

  /**
   * The primary's port on 127.0.0.1.
   *
   * @return the port
   */
  public int primaryPort() {
    return primaryPort;
  }

  /**
   * The standby's port on 127.0.0.1.
   *
   * @return the port
   */
  public int standbyPort() {
    return standbyPort;
  }

  /**
   * Stops the primary's WAL sender (SIGSTOP), as a network partition or a slow link between the two
   * would: from now on the standby receives nothing. With synchronous replication commits wait;
   * with asynchronous replication they are acknowledged all the same.
   *
   * @throws SQLException if the primary cannot be asked for its WAL sender
   */
  public void freezeWalSender() throws SQLException {
    long pid;
    try (Connection c = connect(primaryPort);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_replication")) {
      if (!rs.next()) {
        throw new IllegalStateException("the primary has no WAL sender");
      }
      pid = rs.getLong(1);
    }
    signal(pid, "STOP");
  }

  /**
   * Kills the primary hard, as a lost machine: SIGKILL to its postmaster and every process under
   * it, with no shutdown of any kind.
   */
  public void killPrimary() {
    long pid;
    try {
      pid = Long.parseLong(Files.readAllLines(primary.resolve("postmaster.pid")).get(0).strip());
    } catch (IOException e) {
      throw new IllegalStateException("the primary is not running", e);
    }
    ProcessHandle postmaster =
        ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no primary process"));
    List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
    all.add(0, postmaster);
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("a primary process did not die: " + h.pid(), e);
      }
    }
  }

  private static void signal(long pid, String signal) {
    try {
      Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot signal " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Promotes the standby and waits until it accepts writes. */
  public void promoteStandby() {
    run(60, tool("pg_ctl"), "-D", standby.toString(), "-w", "-t", "60", "promote");
  }

  /**
   * A direct connection to one of the two servers.
   *
   * @param port {@link #primaryPort} or {@link #standbyPort}
   * @return a new connection; the caller closes it
   * @throws SQLException if connecting fails
   */
  public Connection connect(int port) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "root");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
  }

  /** Stops whatever still runs, removes a killed primary's shared memory, deletes the directory. */
  @Override
  public void close() {
    removeSharedMemoryOfKilled(primary);
    for (Path data : new Path[] {primary, standby}) {
      if (Files.exists(data.resolve("postmaster.pid"))) {
        try {
          run(60, tool("pg_ctl"), "-D", data.toString(), "-m", "immediate", "-w", "stop");
        } catch (RuntimeException e) {
          // Already stopped; the directory goes anyway.
        }
      }
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A leftover temporary directory is harmless.
    }
  }

  /**
   * A postmaster killed with SIGKILL leaves its System V shared memory segment behind (its id is on
   * line 7 of postmaster.pid); remove it if no process holds it any more.
   */
  private static void removeSharedMemoryOfKilled(Path data) {
    try {
      List<String> lines = Files.readAllLines(data.resolve("postmaster.pid"));
      long pid = Long.parseLong(lines.get(0).strip());
      if (ProcessHandle.of(pid).isPresent() || lines.size() < 7) {
        return;
      }
      String[] keyAndId = lines.get(6).strip().split("\\s+", -1);
      if (keyAndId.length == 2) {
        new ProcessBuilder("ipcrm", "-m", keyAndId[1])
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException | RuntimeException e) {
      // No pid file (never started, or stopped cleanly) or nothing to remove.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitStreaming(boolean synchronous) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String seen = "nothing";
    while (System.nanoTime() < deadline) {
      try (Connection c = connect(primaryPort);
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT state, sync_state FROM pg_stat_replication")) {
        if (rs.next()) {
          seen = rs.getString(1) + "/" + rs.getString(2);
          if ("streaming".equals(rs.getString(1))
              && (!synchronous || "sync".equals(rs.getString(2)))) {
            return;
          }
        }
      } catch (SQLException e) {
        seen = e.getMessage();
      }
      TestPostgres.sleep(100);
    }
    throw new IllegalStateException("the standby does not stream (" + seen + ")\n" + logs());
  }

  private String logs() {
    StringBuilder sb = new StringBuilder();
    for (String log : new String[] {"primary.log", "standby.log"}) {
      try {
        sb.append("--- ").append(log).append('\n').append(Files.readString(dir.resolve(log)));
      } catch (IOException e) {
        sb.append("--- ").append(log).append(": ").append(e).append('\n');
      }
    }
    return sb.toString();
  }

  private static void conf(Path data, String... lines) throws IOException {
    // Appended: the last occurrence of a setting wins.
    Files.writeString(
        data.resolve("postgresql.conf"),
        "\n" + String.join("\n", lines) + "\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
  }

  private String tool(String name) {
    return bin.resolve(name).toString();
  }

  /** Runs a PostgreSQL program (as the postgres user when we are root); fails with its output. */
  private void run(int timeoutSeconds, String... command) {
    List<String> full = new ArrayList<>();
    if (isRoot()) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(Arrays.asList(command));
    try {
      Path out = Files.createTempFile("harbor-pg-run-", ".log");
      try {
        Process p =
            new ProcessBuilder(full)
                .directory(new File("/tmp"))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException(
              String.join(" ", full) + " did not finish in " + timeoutSeconds + " s");
        }
        if (p.exitValue() != 0) {
          throw new IllegalStateException(
              String.join(" ", full)
                  + " failed ("
                  + p.exitValue()
                  + "): "
                  + Files.readString(out).strip());
        }
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", full) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", full), e);
    }
  }

  private static Path binaries() {
    File[] versions = new File("/usr/lib/postgresql").listFiles(File::isDirectory);
    Path best = null;
    int bestVersion = -1;
    for (File v : versions == null ? new File[0] : versions) {
      Path initdb = v.toPath().resolve("bin").resolve("initdb");
      if (v.getName().matches("\\d+") && Files.isExecutable(initdb)) {
        int version = Integer.parseInt(v.getName());
        if (version > bestVersion) {
          bestVersion = version;
          best = v.toPath().resolve("bin");
        }
      }
    }
    if (best == null) {
      throw new AssertionError(
          "this test builds its own PostgreSQL primary and standby and needs the server programs"
              + " (initdb, pg_ctl, pg_basebackup) under /usr/lib/postgresql/<version>/bin: install"
              + " the Debian package postgresql");
    }
    return best;
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
