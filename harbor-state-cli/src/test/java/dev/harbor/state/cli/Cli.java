package dev.harbor.state.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Runs the command in-process with captured streams, as a person's shell would, minus the JVM
 * start.
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
    ByteArrayOutputStream out = new ByteArrayOutputStream();
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
}
