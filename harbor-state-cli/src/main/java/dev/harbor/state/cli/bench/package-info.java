/**
 * The one benchmark engine: {@code harbor-state bench} (a thin command) and the performance suite
 * of {@code harbor-state-benchmarks} both run it, and both read its one result type.
 *
 * <p>{@link dev.harbor.state.cli.bench.BenchBackend#run} runs a {@link
 * dev.harbor.state.cli.bench.BenchPlan} (workloads × payloads × threads, a warmup and a measured
 * interval) against the store and, beside it in the same run, the raw backend's baseline (a bare
 * map, a bare sqlite-jdbc loop, a bare JDBC loop and pgbench), each in a scratch location of its
 * own; it returns {@link dev.harbor.state.cli.bench.BenchResult}s, which {@link
 * dev.harbor.state.cli.bench.BenchReport} prints as a table, CSV or Markdown. Latency is recorded
 * with HdrHistogram, one histogram per worker, merged per run. {@link
 * dev.harbor.state.cli.bench.RetentionBench} measures purge beside concurrent saves. These six
 * types are public only so that the benchmarks module measures exactly what {@code bench} measures;
 * they are not a supported API. The workers ({@code Runner}), the store and baseline targets
 * ({@code StoreTarget}, {@code Baselines}) and the pgbench driver ({@code Pgbench}) are
 * package-private.
 *
 * <p>Start with {@link dev.harbor.state.cli.bench.BenchBackend}.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.cli.bench;
