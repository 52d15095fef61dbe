package dev.harbor.state.bench;

import dev.harbor.state.EventId;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code EventId.newId()} throughput, ids per second: every save of a typical caller makes one, so
 * drawing its random bits from a cryptographically strong generator must stay far cheaper than a
 * save. Run with {@code -t 1,4} to see contention between threads: {@code java -jar
 * target/benchmarks.jar EventIdBenchmarks -t 4}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class EventIdBenchmarks {

  /** Makes one id. */
  @Benchmark
  public EventId newId() {
    return EventId.newId();
  }
}
