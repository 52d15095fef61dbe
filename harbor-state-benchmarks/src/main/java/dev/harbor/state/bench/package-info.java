/**
 * Benchmarks: JMH measurements of the store beside the bare backends, and the full performance run
 * behind {@code docs/PERFORMANCE.md}. Never published.
 *
 * <p>{@link dev.harbor.state.bench.StoreBenchmarks} is the JMH class: {@code save}, {@code load}
 * and {@code saveAll} on every driver ({@code @Param}) and on its bare baseline (a map, a
 * sqlite-jdbc loop, a JDBC loop on a pool), with the backends of the CLI's {@code bench} command,
 * so both measure the same things. {@link dev.harbor.state.bench.PerformanceSuite} runs {@code
 * harbor-state bench} for every driver and then JMH, and {@link
 * dev.harbor.state.bench.PerformanceReport} writes the report and its chart; {@link
 * dev.harbor.state.bench.BenchLocations}, {@link dev.harbor.state.bench.BenchRow} and {@link
 * dev.harbor.state.bench.JmhRow} carry locations and results between them. The classes are public
 * because JMH and {@code java -jar target/benchmarks.jar} need them to be.
 *
 * <p>Start with {@link dev.harbor.state.bench.StoreBenchmarks}, then {@code docs/PERFORMANCE.md}
 * for how to reproduce a run.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.bench;
