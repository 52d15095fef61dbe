/**
 * Test support shared by the modules' own tests, used in test scope only and never published.
 *
 * <p>{@link dev.harbor.state.testing.TestPostgres} finds the PostgreSQL the tests run against
 * ({@code HARBOR_TEST_POSTGRES_URL}, else {@code 127.0.0.1:5432}), starts the machine's clusters if
 * PostgreSQL is installed and nothing answers, and otherwise fails loudly with instructions,
 * because a test that needs PostgreSQL never skips; it hands out throwaway schemas through the
 * driver's scratch locations. {@link dev.harbor.state.testing.TestPgBouncer} and {@link
 * dev.harbor.state.testing.TestReplicatedPostgres} start a pooler and a primary with its standby of
 * the tests' own; {@link dev.harbor.state.testing.LogCapture} captures what the drivers log; {@link
 * dev.harbor.state.testing.BackgroundCall} and {@link dev.harbor.state.testing.HeldFence} steer
 * concurrent calls into the order a test wants; {@link dev.harbor.state.testing.FaultProxy} sits
 * between a store and PostgreSQL (or PgBouncer) as a network that delays, stalls or cuts, and can
 * deliver a commit while losing its answer; {@link dev.harbor.state.testing.GroupCommitScenarios}
 * states the group-commit rules both SQL drivers keep, as JUnit tests a driver's test inherits by
 * implementing it with its own steering; {@link dev.harbor.state.testing.SnapshotScenarios} does
 * the same for snapshots of the whole store, with {@link dev.harbor.state.testing.MovingWriter}'s
 * writers acting between a read's pages; {@link dev.harbor.state.testing.SyscallFault} fails one
 * system call of another process with {@code strace}, the storage fault layer of the SQLite tests.
 * The classes are public because the tests of other modules call them; the module depends on the
 * API, JUnit and AssertJ only (and, optionally, on logback for {@code LogCapture}), so it can serve
 * every module.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.testing;
