package dev.harbor.state.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A TCP proxy in front of PostgreSQL (or PgBouncer) that a test steers: it forwards the PostgreSQL
 * wire protocol between clients and the server on a free loopback port, and can delay or stall each
 * direction, cut connections, and — the fault it exists for — let a transaction's commit reach the
 * server and lose the server's answer.
 *
 * <p>It reads the protocol's framing (a type byte and a length per message; an untyped startup
 * packet first), so faults act on whole messages: a lost answer is every byte the server sent for
 * the commit, never half a message. It answers a client's request for TLS or GSS encryption itself
 * with "no", so the messages stay readable (pgjdbc's default {@code sslmode=prefer} then goes on in
 * plain text). Delays and stalls apply to every connection; cuts and lost answers to one.
 *
 * <p>Plain sockets and two threads per connection; {@link #close} ends every connection and thread.
 */
public final class FaultProxy implements AutoCloseable {

  /** A direction bytes travel in. */
  public enum Direction {
    /** From the client (the store) to the server. */
    TO_SERVER,
    /** From the server to the client. */
    TO_CLIENT
  }

  private static final int SSL_REQUEST = 80877103;
  private static final int GSS_REQUEST = 80877104;

  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Thread acceptor;
  private final AtomicInteger accepted = new AtomicInteger();
  private final Map<Integer, Link> links = new ConcurrentHashMap<>();
  private final List<Trap> armed = new CopyOnWriteArrayList<>();
  private final Gate toServer = new Gate();
  private final Gate toClient = new Gate();
  private volatile boolean closed;

  private FaultProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::accept, "fault-proxy-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a proxy to a server.
   *
   * @param host the server's host
   * @param port the server's port
   * @return the running proxy; close it after the test
   */
  public static FaultProxy start(String host, int port) {
    try {
      return new FaultProxy(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen on a loopback port", e);
    }
  }

  /**
   * Starts a proxy to the server a store location names ({@code postgres://}, {@code postgresql://}
   * or {@code jdbc:postgresql://}, one host).
   *
   * @param location the location
   * @return the running proxy; {@link #location} rewrites the location to go through it
   */
  public static FaultProxy inFrontOf(String location) {
    URI uri = uri(location);
    return start(
        uri.getHost() == null ? "127.0.0.1" : uri.getHost(),
        uri.getPort() < 0 ? 5432 : uri.getPort());
  }

  /**
   * The same location with its host and port replaced by the proxy's, so a store opened on it
   * connects through the proxy.
   *
   * @param location a location of the server this proxy forwards to
   * @return the location through the proxy
   */
  public String location(String location) {
    URI uri = uri(location);
    String authority = uri.getRawAuthority();
    int at = authority.lastIndexOf('@');
    String through =
        (at < 0 ? "" : authority.substring(0, at + 1)) + "127.0.0.1:" + listener.getLocalPort();
    int start = location.indexOf(authority);
    return location.substring(0, start) + through + location.substring(start + authority.length());
  }

  private static URI uri(String location) {
    return URI.create(location.replaceFirst("^(jdbc:)?postgres(ql)?://", "http://"));
  }

  /**
   * The proxy's port on 127.0.0.1.
   *
   * @return the port
   */
  public int port() {
    return listener.getLocalPort();
  }

  /**
   * How many connections the proxy has accepted so far; they are numbered from 1 in that order.
   *
   * @return the count
   */
  public int accepted() {
    return accepted.get();
  }

  /**
   * The numbers of the connections open now.
   *
   * @return the numbers, in no particular order
   */
  public List<Integer> open() {
    return new ArrayList<>(links.keySet());
  }

  /**
   * Delays every message (or flight of messages) in one direction by a fixed time, on every
   * connection, from now on.
   *
   * @param direction the direction
   * @param delay the delay; zero ends it
   */
  public void delay(Direction direction, Duration delay) {
    gate(direction).delayNanos = delay.toNanos();
  }

  /**
   * Holds every byte in one direction, on every connection, until {@link #resume}: nothing passes
   * and nothing closes, as on a network that stopped delivering. A connection cut meanwhile drops
   * what was held.
   *
   * @param direction the direction
   */
  public void stall(Direction direction) {
    gate(direction).stall();
  }

  /**
   * Lets a stalled direction deliver again, what was held first.
   *
   * @param direction the direction
   */
  public void resume(Direction direction) {
    gate(direction).resume();
  }

  /**
   * Cuts one connection: closes both its sockets at once, dropping whatever was in flight.
   *
   * @param connection its number
   * @return whether it was open
   */
  public boolean cut(int connection) {
    Link link = links.get(connection);
    if (link == null) {
      return false;
    }
    link.close();
    return true;
  }

  /**
   * Cuts every open connection.
   *
   * @return how many were open
   */
  public int cutAll() {
    int n = 0;
    for (Link link : links.values()) {
      link.close();
      n++;
    }
    return n;
  }

  /**
   * Arms the lost-acknowledgement fault for the next transaction that runs a statement containing
   * every fragment: its messages reach the server and its answers come back as usual until the
   * server's answer ends the transaction (a commit, or the statement itself in autocommit); that
   * answer is discarded, and from then on the connection delivers nothing to the client until it is
   * cut ({@link Trap#cut}), as if the network failed right after the server committed.
   *
   * @param fragments text that the statement's SQL contains, each of them
   * @return the armed fault, one shot
   */
  public Trap loseCommitAnswer(String... fragments) {
    Trap trap = new Trap(containing(fragments), Kind.LOSE_ANSWER);
    armed.add(trap);
    return trap;
  }

  /**
   * Arms the lost-message fault for the next message whose SQL contains every fragment: the message
   * never reaches the server, and the connection is cut instead, as if the network failed while the
   * client sent it (say, its COMMIT: the server then rolls the transaction back).
   *
   * @param fragments text that the message's SQL contains, each of them
   * @return the armed fault, one shot
   */
  public Trap dropMessage(String... fragments) {
    Trap trap = new Trap(containing(fragments), Kind.DROP_MESSAGE);
    armed.add(trap);
    return trap;
  }

  /**
   * Arms the partition fault for the next message whose SQL contains every fragment: neither it nor
   * anything the client sends after it reaches the server, and the server does not learn that the
   * client gave up (its side of the connection stays open) until the connection is cut ({@link
   * Trap#cut}), as when the network between them fails silently (say, while a COMMIT is on its way:
   * the server's transaction then waits, idle, for a COMMIT that never comes).
   *
   * @param fragments text that the message's SQL contains, each of them
   * @return the armed fault, one shot
   */
  public Trap holdMessage(String... fragments) {
    Trap trap = new Trap(containing(fragments), Kind.HOLD_MESSAGE);
    armed.add(trap);
    return trap;
  }

  /**
   * Arms {@link #dropMessage} for the next {@code COMMIT} itself (the statement, not any text that
   * merely contains the word, such as {@code READ COMMITTED}).
   *
   * @return the armed fault, one shot
   */
  public Trap dropCommit() {
    Trap trap = new Trap(FaultProxy::isCommit, Kind.DROP_MESSAGE);
    armed.add(trap);
    return trap;
  }

  /**
   * Arms {@link #holdMessage} for the next {@code COMMIT} itself.
   *
   * @return the armed fault, one shot
   */
  public Trap holdCommit() {
    Trap trap = new Trap(FaultProxy::isCommit, Kind.HOLD_MESSAGE);
    armed.add(trap);
    return trap;
  }

  private static boolean isCommit(String sql) {
    return sql.strip().equalsIgnoreCase("COMMIT");
  }

  private static Predicate<String> containing(String... fragments) {
    List<String> all = List.of(fragments);
    return sql -> all.stream().allMatch(sql::contains);
  }

  /** What a trap does to the connection it catches. */
  private enum Kind {
    LOSE_ANSWER,
    DROP_MESSAGE,
    HOLD_MESSAGE
  }

  /** Closes the listener and every connection. */
  @Override
  public void close() {
    closed = true;
    toServer.resume();
    toClient.resume();
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    cutAll();
    try {
      acceptor.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Gate gate(Direction direction) {
    return direction == Direction.TO_SERVER ? toServer : toClient;
  }

  /** A one-shot fault armed by {@link #loseCommitAnswer} or {@link #dropMessage}. */
  public final class Trap {
    private final Predicate<String> matcher;
    private final Kind kind;
    private final CountDownLatch lost = new CountDownLatch(1);
    private volatile @Nullable Link link;
    private volatile boolean error;

    private Trap(Predicate<String> matcher, Kind kind) {
      this.matcher = matcher;
      this.kind = kind;
    }

    private boolean matches(String sql) {
      return matcher.test(sql);
    }

    /**
     * Waits until the fault struck: the server's answer that ended the caught transaction was
     * discarded, or the caught message dropped.
     *
     * @param timeout how long to wait at most
     * @return whether it happened
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean awaitLost(Duration timeout) throws InterruptedException {
      return lost.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Whether the fault struck already.
     *
     * @return whether it did
     */
    public boolean isLost() {
      return lost.getCount() == 0;
    }

    /**
     * Whether the lost answer reported success: the server ended the transaction without an error,
     * so it committed (only meaningful once {@link #isLost}).
     *
     * @return whether the transaction committed
     */
    public boolean committed() {
      return isLost() && !error;
    }

    /**
     * The connection the fault caught, once a statement matched.
     *
     * @return its number, or 0 if none matched yet
     */
    public int connection() {
      Link l = link;
      return l == null ? 0 : l.number;
    }

    /** Cuts the caught connection (the client then sees it break); disarms if none matched yet. */
    public void cut() {
      armed.remove(this);
      Link l = link;
      if (l != null) {
        l.close();
      }
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      int number = accepted.incrementAndGet();
      try {
        Socket server = new Socket();
        server.connect(target, 10_000);
        Link link = new Link(number, client, server);
        links.put(number, link);
        link.start();
      } catch (IOException e) {
        closeQuietly(client); // the client sees the server refuse, as it would without us
      }
    }
  }

  /** Holds or delays the messages of one direction. */
  private final class Gate {
    private volatile long delayNanos;
    private boolean stalled;

    synchronized void stall() {
      stalled = true;
    }

    synchronized void resume() {
      stalled = false;
      notifyAll();
    }

    /** Waits while stalled (until resumed or the link closes), then for the delay. */
    void pass(Link link) throws InterruptedException {
      synchronized (this) {
        while (stalled && !link.closed && !closed) {
          wait(10);
        }
      }
      long delay = delayNanos;
      if (delay > 0) {
        TimeUnit.NANOSECONDS.sleep(delay);
      }
    }
  }

  /** One client connection and its connection to the server. */
  private final class Link {
    final int number;
    private final Socket client;
    private final Socket server;
    volatile boolean closed;

    /** The armed fault this connection's transaction caught, until its answer is lost. */
    private volatile @Nullable Trap watching;

    /** Set once the answer was lost: nothing reaches the client any more. */
    private volatile boolean silenced;

    /** The SQL of the connection's named prepared statements, which Bind messages name. */
    private final Map<String, String> prepared = new ConcurrentHashMap<>();

    Link(int number, Socket client, Socket server) throws IOException {
      this.number = number;
      this.client = client;
      this.server = server;
      client.setTcpNoDelay(true);
      server.setTcpNoDelay(true);
    }

    void start() {
      Thread up = new Thread(this::clientToServer, "fault-proxy-" + number + "-up");
      Thread down = new Thread(this::serverToClient, "fault-proxy-" + number + "-down");
      up.setDaemon(true);
      down.setDaemon(true);
      up.start();
      down.start();
    }

    synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      closeQuietly(client);
      closeQuietly(server);
      links.remove(number);
    }

    private void clientToServer() {
      try {
        DataInputStream in = new DataInputStream(new BufferedInputStream(client.getInputStream()));
        OutputStream out = new BufferedOutputStream(server.getOutputStream());
        startup(in, out);
        boolean flight = true;
        while (!closed) {
          byte[] frame = readFrame(in);
          byte type = frame[0];
          String sql = null;
          if (type == 'P' || type == 'Q') {
            sql = sqlOf(frame);
            String name = cstring(frame, 5);
            if (type == 'P' && !name.isEmpty()) {
              prepared.put(name, sql); // pgjdbc reuses a named statement by its name alone
            }
          } else if (type == 'B') {
            String portal = cstring(frame, 5);
            sql =
                prepared.get(
                    cstring(frame, 5 + portal.getBytes(StandardCharsets.UTF_8).length + 1));
          }
          if (watching == null && sql != null && !armed.isEmpty()) {
            Trap trap = catchIfArmed(sql);
            if (trap != null && trap.kind == Kind.DROP_MESSAGE) {
              trap.lost.countDown();
              return; // cut: the message and whatever the flight held never reach the server
            }
            if (trap != null && trap.kind == Kind.HOLD_MESSAGE) {
              trap.lost.countDown();
              partitioned();
              return;
            }
          }
          flight = forward(toServer, flight, frame, in, out);
        }
      } catch (IOException | InterruptedException e) {
        // a side closed, or the proxy did
      } finally {
        close();
      }
    }

    /**
     * The startup phase: answers requests for encryption with "no", then forwards the startup (or
     * cancel) packet, which has no type byte.
     */
    private void startup(DataInputStream in, OutputStream out)
        throws IOException, InterruptedException {
      while (true) {
        int length = in.readInt();
        if (length < 8 || length > 10_000) {
          throw new IOException("not a PostgreSQL startup packet");
        }
        byte[] body = new byte[length - 4];
        in.readFully(body);
        int code =
            ((body[0] & 0xff) << 24)
                | ((body[1] & 0xff) << 16)
                | ((body[2] & 0xff) << 8)
                | (body[3] & 0xff);
        if (code == SSL_REQUEST || code == GSS_REQUEST) {
          OutputStream c = client.getOutputStream();
          c.write('N');
          c.flush();
          continue;
        }
        ByteArrayOutputStream packet = new ByteArrayOutputStream(length);
        packet.write(length >>> 24);
        packet.write(length >>> 16);
        packet.write(length >>> 8);
        packet.write(length);
        packet.write(body);
        forward(toServer, true, packet.toByteArray(), in, out);
        return;
      }
    }

    /**
     * Nothing more reaches the server, and the server's side stays open whatever the client does,
     * until the link is cut or the proxy closes.
     */
    private void partitioned() throws InterruptedException {
      while (!closed && !FaultProxy.this.closed) {
        Thread.sleep(10);
      }
    }

    private @Nullable Trap catchIfArmed(String sql) {
      // A copy-on-write list: iterating a snapshot while another link claims a fault is safe, and
      // remove() tells which link claimed it first.
      for (Trap a : List.copyOf(armed)) {
        if (a.matches(sql) && armed.remove(a)) {
          a.link = this;
          if (a.kind == Kind.LOSE_ANSWER) {
            watching = a;
          }
          return a;
        }
      }
      return null;
    }

    private void serverToClient() {
      ByteArrayOutputStream held = new ByteArrayOutputStream();
      boolean heldError = false;
      try {
        DataInputStream in = new DataInputStream(new BufferedInputStream(server.getInputStream()));
        OutputStream out = new BufferedOutputStream(client.getOutputStream());
        boolean flight = true;
        while (!closed) {
          byte[] frame = readFrame(in);
          if (silenced) {
            continue; // the answer was lost: nothing reaches the client any more
          }
          Trap lost = watching;
          if (lost == null) {
            flight = forward(toClient, flight, frame, in, out);
            continue;
          }
          // Hold the caught transaction's answers until one ends it (ReadyForQuery, idle).
          if (held.size() == 0) {
            out.flush(); // what came before belongs to earlier answers
            flight = true;
          }
          held.write(frame);
          heldError |= frame[0] == 'E';
          if (frame[0] != 'Z') {
            continue;
          }
          if (frame[5] == 'I') {
            silenced = true;
            watching = null;
            lost.error = heldError;
            lost.lost.countDown();
          } else {
            flight = forward(toClient, true, held.toByteArray(), in, out);
          }
          held.reset();
          heldError = false;
        }
      } catch (IOException | InterruptedException e) {
        // a side closed, or the proxy did
      } finally {
        close();
      }
    }

    /**
     * Passes a frame on; the first frame of a flight (what the sender wrote at once) first waits at
     * the direction's gate. Flushes once no more input is waiting: the end of the flight.
     *
     * @return whether the flight ended (flushed), so the next frame starts a new one
     */
    private boolean forward(
        Gate gate, boolean startsFlight, byte[] frame, InputStream in, OutputStream out)
        throws IOException, InterruptedException {
      if (startsFlight) {
        gate.pass(this);
      }
      if (closed) {
        throw new EOFException("cut");
      }
      out.write(frame);
      if (in.available() == 0) {
        out.flush();
        return true;
      }
      return false;
    }
  }

  /** Reads one typed message: its type byte, its length and its body, as one array. */
  private static byte[] readFrame(DataInputStream in) throws IOException {
    byte type = in.readByte();
    int length = in.readInt();
    if (length < 4) {
      throw new IOException("bad message length " + length);
    }
    byte[] frame = new byte[1 + length];
    frame[0] = type;
    frame[1] = (byte) (length >>> 24);
    frame[2] = (byte) (length >>> 16);
    frame[3] = (byte) (length >>> 8);
    frame[4] = (byte) length;
    in.readFully(frame, 5, length - 4);
    return frame;
  }

  /** The SQL text of a Parse ('P': name, then query) or Query ('Q') message. */
  private static String sqlOf(byte[] frame) {
    int at = 5;
    if (frame[0] == 'P') {
      at += cstring(frame, at).getBytes(StandardCharsets.UTF_8).length + 1;
    }
    return cstring(frame, at);
  }

  /** The zero-terminated string of a message that starts at a position. */
  private static String cstring(byte[] frame, int from) {
    int end = from;
    while (end < frame.length && frame[end] != 0) {
      end++;
    }
    return new String(frame, from, Math.min(end, frame.length) - from, StandardCharsets.UTF_8);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
