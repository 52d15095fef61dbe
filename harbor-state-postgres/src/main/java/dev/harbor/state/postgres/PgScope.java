package dev.harbor.state.postgres;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The tenants a unit of work declares it reads and writes, which its transaction carries as
 * transaction-local settings for the row-level security policy of migration V0003 ({@code
 * rowSecurity=on}, SPEC 9.4). Every unit of work declares one: there is no default, so a call that
 * forgets cannot run.
 *
 * <p>{@link #tenants()} is null for {@link #ALL}: maintenance (scanAll, listKind across tenants, a
 * snapshot's scanAll, the migrations), which the policy lets see every row.
 *
 * @param tenants the tenants, sorted and distinct (one prepared statement text serves any list);
 *     null for every tenant
 */
record PgScope(@Nullable List<String> tenants) {

  /** Maintenance: every tenant's rows. */
  static final PgScope ALL = new PgScope(null);

  /**
   * One tenant's rows.
   *
   * @param tenantId the tenant
   * @return the scope
   */
  static PgScope tenant(String tenantId) {
    return new PgScope(List.of(Objects.requireNonNull(tenantId, "tenantId")));
  }

  /**
   * The rows of several tenants: a batch or a group commit that spans them.
   *
   * @param tenantIds the tenants, in any order, repeats allowed
   * @return the scope
   */
  static PgScope tenants(Collection<String> tenantIds) {
    return new PgScope(List.copyOf(new TreeSet<>(tenantIds)));
  }
}
