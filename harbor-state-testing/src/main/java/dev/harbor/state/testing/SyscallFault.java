package dev.harbor.state.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One failed system call in another process, injected with {@code strace}: the storage fault layer
 * of the SQLite tests. {@link #arm} attaches {@code strace} to a running process (one thread, or
 * all of its threads) so that the next call of a given system call on a given file fails with a
 * given error, once per traced thread ({@code -e inject=SYSCALL:error=ERRNO:when=1 -P FILE});
 * {@link #close()} detaches it. The process runs untraced before and after, at full speed.
 *
 * <p>{@code strace} must be installed (Debian package {@code strace}, which {@code .ci/run}
 * installs when missing) and the tests must be allowed to trace their own child processes (root, as
 * CI runs, or {@code kernel.yama.ptrace_scope=0}); without either, {@link #arm} fails loudly,
 * saying so. A test that needs it never skips.
 */
public final class SyscallFault implements AutoCloseable {

  /** The system calls the storage fault layer fails. */
  public enum Syscall {
    /** Reading a page. */
    PREAD64,
    /** Writing a page or a WAL frame. */
    PWRITE64,
    /** Flushing a file to disk; SQLite uses {@code fdatasync} where it can, so both are failed. */
    FSYNC;

    String names() {
      return this == FSYNC ? "fsync,fdatasync" : name().toLowerCase(Locale.ROOT);
    }
  }

  /** The errors injected. */
  public enum Errno {
    /** An I/O error. */
    EIO,
    /** No space left on the device. */
    ENOSPC
  }

  private final Process strace;
  private final String description;

  private SyscallFault(Process strace, String description) {
    this.strace = strace;
    this.description = description;
  }

  /**
   * Fails with an error naming the missing tool unless {@code strace} runs.
   *
   * @throws IllegalStateException if it does not
   */
  public static void requireStrace() {
    try {
      Process p = new ProcessBuilder("strace", "-V").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (p.waitFor() == 0) {
        return;
      }
    } catch (IOException e) {
      // not installed: below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException(
        "the storage fault tests inject failed system calls with strace, which is not installed;"
            + " install the Debian package strace (apt-get install -y strace; .ci/run does)");
  }

  /**
   * Attaches {@code strace} so that the next matching call of every traced thread fails, and
   * returns once the thread(s) are traced.
   *
   * @param pid the process
   * @param tid the thread to trace, or {@code 0} for every thread of the process (new ones too)
   * @param syscall the system call
   * @param errno the error it returns
   * @param files the files whose calls fail (others pass untouched)
   * @return the armed fault; close it to detach
   * @throws IllegalStateException if strace is missing or cannot attach
   */
  public static SyscallFault arm(
      long pid, long tid, Syscall syscall, Errno errno, List<Path> files) {
    requireStrace();
    List<String> command = new ArrayList<>();
    command.add("strace");
    if (tid == 0) {
      command.add("-f");
    }
    command.addAll(List.of("-o", "/dev/null", "-e", "trace=" + syscall.names()));
    command.addAll(
        List.of("-e", "inject=" + syscall.names() + ":error=" + errno.name() + ":when=1"));
    for (Path f : files) {
      command.addAll(List.of("-P", f.toString()));
    }
    command.addAll(List.of("-p", Long.toString(tid == 0 ? pid : tid)));
    String description =
        syscall.names()
            + " -> "
            + errno
            + " on "
            + files
            + " in process "
            + pid
            + (tid == 0 ? "" : " thread " + tid);
    Process strace;
    try {
      strace = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new IllegalStateException("could not start strace for " + description, e);
    }
    SyscallFault fault = new SyscallFault(strace, description);
    fault.awaitAttached();
    return fault;
  }

  /**
   * Waits for strace's "attached" message (it comes once every thread is seized and stopped, so
   * none runs a call untraced afterwards), failing with what strace said if it exits instead.
   */
  private void awaitAttached() {
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader err =
                  new BufferedReader(
                      new InputStreamReader(strace.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = err.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // strace is gone; its exit is reported below
              }
              lines.add("");
            },
            "strace-stderr");
    reader.setDaemon(true);
    reader.start();
    List<String> said = new ArrayList<>();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() - deadline < 0) {
        String line = lines.poll(1, TimeUnit.SECONDS);
        if (line == null) {
          continue;
        }
        if (line.isEmpty() && !strace.isAlive()) {
          break;
        }
        said.add(line);
        if (line.contains("attached")) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    strace.destroyForcibly();
    throw new IllegalStateException(
        "strace could not attach to inject "
            + description
            + " (tracing a child process needs root or kernel.yama.ptrace_scope=0): "
            + String.join(" | ", said));
  }

  /**
   * The calling thread's id as the kernel knows it (for {@link #arm}), read from {@code
   * /proc/thread-self}.
   *
   * @return the thread id
   */
  public static long currentThreadId() {
    try {
      Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
      return Long.parseLong(self.getFileName().toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Detaches strace (SIGTERM makes it let go of every thread) and waits until it has. */
  @Override
  public void close() {
    strace.destroy();
    try {
      if (!strace.waitFor(30, TimeUnit.SECONDS)) {
        strace.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return description;
  }
}
