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
 * table from exceptions to exit codes; {@code RecordJson} and {@code Json}, the JSON Lines record
 * format; {@code RecordSource}, {@code Batcher} and {@code RecordDigest}, the streaming, batched
 * and verified path of {@code export}, {@code import} and {@code copy}; {@code CertifyTck} and
 * {@code CertifyTarget}, which run the conformance kit in process; and the {@code Bench*} classes
 * behind {@code bench}.
 *
 * <p>{@link dev.harbor.state.cli.BenchBackend}, {@link dev.harbor.state.cli.BenchTarget} and {@link
 * dev.harbor.state.cli.BenchFormat} are public only so that {@code harbor-state-benchmarks}
 * measures exactly what {@code bench} measures; they are not a supported API.
 *
 * <p>Start with {@link dev.harbor.state.cli.HarborStateCli}, then any one command (such as {@code
 * PutCommand}) and {@code StoreCommand}, which they all extend.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.cli;
