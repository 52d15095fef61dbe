package dev.harbor.state;

/**
 * Who owns a piece of state: a tenant, a user within it, and a session of that user. All three
 * components are mandatory on every identity-scoped call; the store rejects an incomplete identity
 * with {@link IdentityRequiredException}. A {@code null} component is turned into {@code ""};
 * construction never throws.
 *
 * @param tenantId the tenant, never {@code null}
 * @param userId the user within the tenant, never {@code null}
 * @param sessionId the session of the user, never {@code null}
 */
public record Identity(String tenantId, String userId, String sessionId) {

  /**
   * Normalizes {@code null} components to {@code ""}.
   *
   * @param tenantId the tenant; {@code null} becomes {@code ""}
   * @param userId the user; {@code null} becomes {@code ""}
   * @param sessionId the session; {@code null} becomes {@code ""}
   */
  public Identity {
    tenantId = tenantId == null ? "" : tenantId;
    userId = userId == null ? "" : userId;
    sessionId = sessionId == null ? "" : sessionId;
  }

  /**
   * This identity with a run.
   *
   * @param runId the run; {@code null} or {@code ""} is the session-scoped run
   * @return the quadruple of this identity and {@code runId}
   */
  public Quadruple run(String runId) {
    return new Quadruple(tenantId, userId, sessionId, runId);
  }

  /**
   * This identity with the empty run: state that belongs to the session rather than to one run.
   *
   * @return the quadruple of this identity and {@code ""}
   */
  public Quadruple sessionScoped() {
    return run("");
  }

  /**
   * Whether no component is empty.
   *
   * @return {@code true} if tenant, user and session are all non-empty
   */
  public boolean isComplete() {
    return !tenantId.isEmpty() && !userId.isEmpty() && !sessionId.isEmpty();
  }
}
