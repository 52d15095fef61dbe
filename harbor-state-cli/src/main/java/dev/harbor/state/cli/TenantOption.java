package dev.harbor.state.cli;

import picocli.CommandLine.Option;

/**
 * {@code --tenant}, required: the tenant that {@code purge}, {@code erase-user} and {@code
 * erase-tenant} act on.
 */
final class TenantOption {

  @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "Tenant id.")
  String tenant;
}
