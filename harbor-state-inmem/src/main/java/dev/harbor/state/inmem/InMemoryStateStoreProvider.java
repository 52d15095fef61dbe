package dev.harbor.state.inmem;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.Locations;
import dev.harbor.state.spi.Options;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.spi.StateStoreProvider;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreListener;
import dev.harbor.state.spi.StoreOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code inmem} driver: the reference semantics of the contract, kept on the JVM heap. Each
 * open is a new, empty store; nothing survives {@code close()}. Location: {@code inmem:}.
 *
 * <p>Options: {@code maxPayloadBytes} (default 16MiB), {@code operationTimeout} (default 30s, the
 * longest a call waits for the store's lock, or a conditional write for a fenced slot) and {@code
 * slowOperation} (default 1s: a slower call is logged at WARN).
 */
public final class InMemoryStateStoreProvider implements StateStoreProvider {

  /** The driver's options, in documentation order. */
  static final List<StoreOption> OPTIONS =
      List.of(
          StoreOption.MAX_PAYLOAD_BYTES,
          StoreOption.MAX_BATCH_BYTES,
          StoreOption.OPERATION_TIMEOUT,
          StoreOption.SLOW_OPERATION);

  private static final Logger LOG = LoggerFactory.getLogger(InMemoryStateStoreProvider.class);

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public InMemoryStateStoreProvider() {}

  @Override
  public String name() {
    return InMemoryStore.DRIVER;
  }

  @Override
  public List<StoreOption> options() {
    return OPTIONS;
  }

  @Override
  public StateStore open(StateConfig config) {
    Options options = Options.of(config, OPTIONS);
    int maxPayloadBytes = options.maxPayloadBytes();
    StoreContext context =
        new StoreContext(
            InMemoryStore.DRIVER,
            "the " + InMemoryStore.DRIVER + " store",
            maxPayloadBytes,
            options.maxBatchBytes(maxPayloadBytes),
            config.clock());
    StateStore store =
        StoreCore.open(context, new InMemoryStore(context, options.operationTimeout()));
    context.addListener(StoreListener.slowCalls(options.slowOperation(), LOG::warn));
    LOG.info("opened the inmem store (in memory; no schema)");
    return store;
  }

  /** Every open is a new store already: the scratch is {@code inmem:} with the base's options. */
  @Override
  public ScratchLocation scratch(StateConfig base, String label) {
    open(base).close(); // fails on a bad option now, as an open would
    ScratchLocation.newName(label); // and on a bad label, as in every driver
    return new InMemoryScratch(Locations.format("inmem:", base.options()));
  }
}
