package dev.harbor.state.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the command in-process with captured streams, as a person's shell would, minus the JVM
 * start; or, where the JVM's own limits are under test, in a child JVM.
 */
final class Cli {

  /** The outcome of one run. */
  record Result(int code, byte[] stdout, String stderr) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out() + "\n--- stderr\n" + stderr;
    }
  }

  private Cli() {}

  static Result run(String... args) {
    return run(new byte[0], Map.of(), args);
  }

  static Result runWithInput(byte[] stdin, String... args) {
    return run(stdin, Map.of(), args);
  }

  static Result run(byte[] stdin, Map<String, String> env, String... args) {
    return run(stdin, env, new ByteArrayOutputStream(), args);
  }

  /**
   * Runs the command and runs {@code onFirstOutput}, on the command's thread, when the command
   * first writes to standard output: a point a test can steer to (an export has then read its first
   * records and waits for the write to return).
   */
  static Result runSteeredByOutput(Runnable onFirstOutput, String... args) {
    ByteArrayOutputStream out =
        new ByteArrayOutputStream() {
          private boolean steered;

          @Override
          public synchronized void write(byte[] b, int off, int len) {
            steer();
            super.write(b, off, len);
          }

          @Override
          public synchronized void write(int b) {
            steer();
            super.write(b);
          }

          private void steer() {
            if (!steered) {
              steered = true;
              onFirstOutput.run();
            }
          }
        };
    return run(new byte[0], Map.of(), out, args);
  }

  private static Result run(
      byte[] stdin, Map<String, String> env, ByteArrayOutputStream out, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        HarborStateCli.run(
            args,
            new ByteArrayInputStream(stdin),
            new PrintStream(out, false, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env,
            false);
    return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * Runs the command through {@code main} in a child JVM with the given maximum heap, so a test can
   * hold the tool to a heap smaller than the one the tests run in. Its streams go to files in
   * {@code scratch}, which the caller owns and removes.
   */
  static Result runInChildJvm(String maxHeap, Path scratch, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(HarborStateCli.class.getName());
    command.addAll(List.of(args));
    Path stdout = Files.createTempFile(scratch, "stdout", ".txt");
    Path stderr = Files.createTempFile(scratch, "stderr", ".txt");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    p.getOutputStream().close(); // stdin: empty
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("harbor-state " + String.join(" ", args) + " ran over 2 minutes");
    }
    return new Result(
        p.exitValue(),
        Files.readAllBytes(stdout),
        Files.readString(stderr, StandardCharsets.UTF_8));
  }
}
