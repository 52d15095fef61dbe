package dev.harbor.state.postgres;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;

/**
 * Opens and closes a store in a JVM of its own, for the migration race test. Prints {@code OK} and
 * exits 0 on success; prints the failure and exits 1 otherwise.
 */
final class MigrationRaceMain {

  private MigrationRaceMain() {}

  public static void main(String[] args) throws Exception {
    long startAt = Long.parseLong(args[1]);
    while (System.currentTimeMillis() < startAt) {
      Thread.sleep(1);
    }
    try (StateStore store = StateStores.open(args[0])) {
      store.driverName();
      System.out.println("OK");
    } catch (RuntimeException e) {
      System.out.println("FAILED " + e);
      System.exit(1);
    }
  }
}
