/**
 * The {@code harbor-state} command: a store from a terminal, for operators and scripts (put, get,
 * erase, list and scan; export, import and copy between drivers; migrate, doctor, certify, bench
 * and a demo). The {@code ./harbor-state} launcher at the repository root builds the fat jar and
 * runs it.
 *
 * <p>The tool is an application on top of the libraries, never below one (the architecture tests
 * keep any library from depending on it), and it uses only the public API: drivers arrive at run
 * time through {@link java.util.ServiceLoader}, never by name. {@link
 * dev.harbor.state.cli.HarborStateCli} (picocli) is the entry point and lists one class per
 * subcommand, each a package-private {@code StoreCommand}. Around them: {@code ExitCodes}, the one
 * table from exceptions to exit codes; {@code RecordJson}, the JSON Lines record format (Jackson's
 * streaming API); {@code RecordSource}, {@code Batcher} and {@code RecordDigest}, the streaming,
 * batched and verified path of {@code export}, {@code import} and {@code copy}; {@code CertifyTck}
 * and {@code CertifyTarget}, which run the conformance kit in process on a driver's scratch
 * location. The benchmark engine behind {@code bench} lives in {@code dev.harbor.state.cli.bench}.
 *
 * <p>Start with {@link dev.harbor.state.cli.HarborStateCli}, then any one command (such as {@code
 * PutCommand}) and {@code StoreCommand}, which they all extend.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.cli;
