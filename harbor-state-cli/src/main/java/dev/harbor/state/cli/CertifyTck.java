package dev.harbor.state.cli;

import dev.harbor.state.StateStore;
import dev.harbor.state.tck.StateStoreTck;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The conformance kit run by {@code certify}: each scenario gets a fresh store from the {@link
 * CertifyTarget} set before the launcher starts (the JUnit engine instantiates this class, so the
 * target cannot be passed in).
 */
class CertifyTck extends StateStoreTck {

  /**
   * The target of the running certification; set by {@link CertifyCommand} around one launcher run.
   */
  static volatile @Nullable CertifyTarget target;

  @Override
  protected StateStore newStore() {
    return target().open(clock());
  }

  @Override
  protected void dispose(StateStore store) {
    target().dispose(store);
  }

  private static CertifyTarget target() {
    return Objects.requireNonNull(target, "set by CertifyCommand around the launcher run");
  }
}
