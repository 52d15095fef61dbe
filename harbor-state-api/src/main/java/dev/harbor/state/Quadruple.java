package dev.harbor.state;

/**
 * An {@link Identity} plus a run: with a kind, it names one slot. The empty run is session-scoped
 * state and is a slot of its own, never a wildcard. A {@code null} component is turned into {@code
 * ""}; construction never throws.
 *
 * @param tenantId the tenant, never {@code null}
 * @param userId the user, never {@code null}
 * @param sessionId the session, never {@code null}
 * @param runId the run, {@code ""} for session-scoped state, never {@code null}
 */
public record Quadruple(String tenantId, String userId, String sessionId, String runId) {

  /**
   * Normalizes {@code null} components to {@code ""}.
   *
   * @param tenantId the tenant; {@code null} becomes {@code ""}
   * @param userId the user; {@code null} becomes {@code ""}
   * @param sessionId the session; {@code null} becomes {@code ""}
   * @param runId the run; {@code null} becomes {@code ""}, the session-scoped run
   */
  public Quadruple {
    tenantId = tenantId == null ? "" : tenantId;
    userId = userId == null ? "" : userId;
    sessionId = sessionId == null ? "" : sessionId;
    runId = runId == null ? "" : runId;
  }

  /**
   * The quadruple of an identity and a run.
   *
   * @param identity the identity; {@code null} is the all-empty identity
   * @param runId the run; {@code null} or {@code ""} is the session-scoped run
   * @return the quadruple
   */
  public static Quadruple of(Identity identity, String runId) {
    return identity == null ? new Quadruple("", "", "", runId) : identity.run(runId);
  }

  /**
   * The identity part, without the run.
   *
   * @return tenant, user and session of this quadruple
   */
  public Identity identity() {
    return new Identity(tenantId, userId, sessionId);
  }
}
