package dev.harbor.state.cli;

import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import picocli.CommandLine.Option;

/**
 * The identity options shared by the slot commands. Empty values are passed on: the store names
 * what is missing.
 */
final class IdentityOptions {

  @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "Tenant id.")
  String tenant;

  @Option(names = "--user", required = true, paramLabel = "USER", description = "User id.")
  String user;

  @Option(names = "--session", required = true, paramLabel = "SESSION", description = "Session id.")
  String session;

  Identity identity() {
    return new Identity(tenant, user, session);
  }

  Quadruple run(String runId) {
    return new Quadruple(tenant, user, session, runId == null ? "" : runId);
  }
}
