package dev.harbor.state.cli;

import dev.harbor.state.Quadruple;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The identity options plus {@code --run}: the quadruple of the slot commands and {@code ls}. */
final class QuadrupleOptions {

  @Mixin IdentityOptions identity;

  @Option(
      names = "--run",
      paramLabel = "RUN",
      defaultValue = "",
      description = "Run id (default: empty, session-scoped state).")
  String run;

  Quadruple quadruple() {
    return identity.run(run);
  }
}
