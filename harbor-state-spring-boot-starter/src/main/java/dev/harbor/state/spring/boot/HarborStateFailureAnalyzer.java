package dev.harbor.state.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns the store's startup failures into Spring Boot's "APPLICATION FAILED TO START" block: a
 * description naming the property and an action, in place of the exception's stack (which Spring
 * Boot then logs at DEBUG only). Registered in {@code META-INF/spring.factories}.
 */
final class HarborStateFailureAnalyzer extends AbstractFailureAnalyzer<StoreStartupException> {

  HarborStateFailureAnalyzer() {}

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, StoreStartupException cause) {
    return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
  }
}
