package dev.harbor.state.spring.boot;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalysisReporter;

/**
 * Keeps what Spring Boot would print as "APPLICATION FAILED TO START", beside its logging reporter
 * (registered in the tests' {@code META-INF/spring.factories}).
 */
public final class CapturingFailureReporter implements FailureAnalysisReporter {

  private static final List<FailureAnalysis> REPORTED = new ArrayList<>();

  /** Created by Spring Boot. */
  public CapturingFailureReporter() {}

  @Override
  public void report(FailureAnalysis analysis) {
    synchronized (REPORTED) {
      REPORTED.add(analysis);
    }
  }

  static List<FailureAnalysis> takeAll() {
    synchronized (REPORTED) {
      List<FailureAnalysis> all = new ArrayList<>(REPORTED);
      REPORTED.clear();
      return all;
    }
  }
}
