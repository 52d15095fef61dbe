/**
 * Test support shared by the modules' own tests, used in test scope only and never published.
 *
 * <p>{@link dev.harbor.state.testing.TestPostgres} is the one class: it finds the PostgreSQL the
 * tests run against ({@code HARBOR_TEST_POSTGRES_URL}, else {@code 127.0.0.1:5432}), starts the
 * machine's clusters if PostgreSQL is installed and nothing answers, and otherwise fails loudly
 * with instructions, because a test that needs PostgreSQL never skips. It is public because the
 * tests of other modules call it. It depends on pgjdbc only, not on Harbor State, so it can serve
 * every module.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.testing;
