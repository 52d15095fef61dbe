package dev.harbor.state.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * The process surroundings a command uses, passed in rather than read from {@link System} so tests
 * run commands in-process with captured streams.
 *
 * @param in standard input (payloads, imports)
 * @param out standard output (raw payloads, records, reports)
 * @param err standard error (errors, progress)
 * @param env environment variables ({@code HARBOR_STATE_STORE})
 * @param terminal whether a person is watching (progress lines are drawn only then)
 */
record Io(
    InputStream in, PrintStream out, PrintStream err, Map<String, String> env, boolean terminal) {}
