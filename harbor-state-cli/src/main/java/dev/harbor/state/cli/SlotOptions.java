package dev.harbor.state.cli;

import dev.harbor.state.Quadruple;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The quadruple options plus {@code --kind}: the one slot that {@code get}, {@code put} and {@code
 * rm} address.
 */
final class SlotOptions {

  @Mixin QuadrupleOptions at;

  @Option(
      names = "--kind",
      required = true,
      paramLabel = "KIND",
      description = "Kind, e.g. task.checkpoint.")
  String kind;

  Quadruple quadruple() {
    return at.quadruple();
  }

  /** {@code tenant/user/session/run kind}, for messages. */
  String describe() {
    return Records.slot(quadruple(), kind);
  }
}
