package dev.harbor.state.bench;

/**
 * One JMH result of {@link StoreBenchmarks}.
 *
 * @param benchmark save, load or saveAll
 * @param driver the driver
 * @param target the store, or its raw baseline
 * @param threads JMH threads
 * @param score operations per second (saveAll: records per second)
 * @param error the score's 99.9 % confidence half-width, NaN with one iteration
 */
public record JmhRow(
    String benchmark, String driver, String target, int threads, double score, double error) {}
