package dev.harbor.state;

/**
 * The elevation claim of a cross-identity call. Listing across identities and scanning a tenant
 * need {@link #MAINTENANCE}; {@link #NONE} (and {@code null}) fail closed with {@link
 * MaintenanceScopeRequiredException}.
 *
 * @param maintenanceScoped whether the caller claims maintenance scope
 */
public record ListScope(boolean maintenanceScoped) {

  /** The explicit maintenance claim, required by cross-identity listing and scans. */
  public static final ListScope MAINTENANCE = new ListScope(true);

  /** No claim: fails closed wherever a claim is needed. */
  public static final ListScope NONE = new ListScope(false);
}
