package dev.harbor.state.spring.boot;

/**
 * Why the store bean could not be made, in a user's terms: what failed, naming the property, and
 * what to do. {@link HarborStateFailureAnalyzer} turns it into Spring Boot's "APPLICATION FAILED TO
 * START" block; the store's own exception is the cause. Neither text holds a password.
 */
final class StoreStartupException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String action;

  StoreStartupException(String description, String action, Throwable cause) {
    super(description, cause);
    this.action = action;
  }

  StoreStartupException(String description, String action) {
    super(description);
    this.action = action;
  }

  String action() {
    return action;
  }
}
