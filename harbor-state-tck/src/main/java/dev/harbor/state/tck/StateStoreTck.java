package dev.harbor.state.tck;

import dev.harbor.state.StateStore;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

/**
 * The conformance kit. A driver's test is a small subclass:
 *
 * <pre>{@code
 * class MyDriverTckTest extends StateStoreTck {
 *   protected StateStore newStore() {
 *     return StateStores.open(StateConfig.builder().driver("mydriver").clock(clock()).build());
 *   }
 * }
 * }</pre>
 *
 * <p>{@link #newStore()} must return a fresh, empty store built with {@link #clock()} and the
 * default options (in particular the default {@code maxPayloadBytes} of 16 MiB): the kit sets that
 * clock to check that a {@code null} {@code updatedAt} is stamped from the store's clock. The kit
 * opens a store before every scenario and closes it, then calls {@link #dispose(StateStore)}, after
 * every scenario; the leak scenario opens one more store itself. Every scenario runs for every
 * driver: there are no capability switches, no skips and no assumptions.
 *
 * <h2>The index: every scenario of CONTRACT.md section 5</h2>
 *
 * <p>This class is the index of the kit. Each {@code @Nested} group below binds one capability, an
 * abstract class of this package whose Javadoc lists its rules, to this kit's store: the group's
 * scenarios run on the store that {@link #newStore()} opened for them, and {@link
 * #dispose(StateStore)} disposes of it. A {@code @TestFactory} (the tables of rules, one dynamic
 * test per row) gets one store for all its rows.
 */
public abstract class StateStoreTck {

  /** The clock of the stores under test; the scenarios move it (through Scenarios). */
  final MutableClock clock = new MutableClock(Kit.START, ZoneOffset.UTC);

  /** The store under test, fresh for every scenario. */
  private StateStore store;

  /**
   * A fresh, empty store for one test, built with {@link #clock()} and default options.
   *
   * @return an open store; the kit closes it after the test
   */
  protected abstract StateStore newStore();

  /**
   * Called after each test, after the store was closed: remove files or schemas here.
   *
   * @param store the closed store
   */
  protected void dispose(StateStore store) {}

  /**
   * The clock stores under test must stamp records with. The kit moves it; drivers only pass it on.
   *
   * @return the kit's clock
   */
  protected final Clock clock() {
    return clock;
  }

  // Final lifecycle hooks: a subclass only implements newStore()/dispose() and cannot forget an
  // annotation. JUnit runs them around every test of every @Nested group.

  @BeforeEach
  final void openStoreUnderTest() {
    clock.set(Kit.START);
    store = Objects.requireNonNull(newStore(), "newStore() returned null");
  }

  @AfterEach
  final void closeStoreUnderTest() {
    StateStore s = detachStore();
    // A scenario that leaves its thread interrupted must not make close or dispose fail.
    Thread.interrupted();
    if (s != null) {
      try {
        s.close();
      } finally {
        dispose(s);
      }
    }
  }

  // Package-private, for the scenarios (through Scenarios); a driver's subclass lives in another
  // package and does not see them: they are not API.

  /** The store under test of the running scenario. */
  StateStore store() {
    return store;
  }

  /** Hands the store under test to the caller, who closes and disposes of it instead of the kit. */
  StateStore detachStore() {
    StateStore s = store;
    store = null;
    return s;
  }

  // ---- The capabilities, one @Nested group each, in the order of CONTRACT.md section 5. ----

  /** Round trips of id, slot, version, bytes and updatedAt; copies. */
  @Nested
  class SaveAndLoad extends SaveAndLoadScenarios {
    SaveAndLoad() {
      super(StateStoreTck.this);
    }
  }

  /** Same id and content is a no-op; same id and other content is a conflict. */
  @Nested
  class Idempotency extends IdempotencyScenarios {
    Idempotency() {
      super(StateStoreTck.this);
    }
  }

  /** updatedAt from MIN_UPDATED_AT to MAX_UPDATED_AT, through every write. */
  @Nested
  class UpdatedAtRange extends UpdatedAtRangeScenarios {
    UpdatedAtRange() {
      super(StateStoreTck.this);
    }
  }

  /** 128 concurrent saves of one slot or one event id. */
  @Nested
  class SaveContention extends SaveContentionScenarios {
    SaveContention() {
      super(StateStoreTck.this);
    }
  }

  /** load and loadByEventId, hits and misses; the empty run. */
  @Nested
  class Lookups extends LookupsScenarios {
    Lookups() {
      super(StateStoreTck.this);
    }
  }

  /**
   * findByEventId and loadByEventId of a tenant: another tenant's live id is a miss like any other;
   * conflicts are worded alike whichever tenant holds the id.
   */
  @Nested
  class TenantLookups extends TenantLookupsScenarios {
    TenantLookups() {
      super(StateStoreTck.this);
    }
  }

  /** Tenant, user and session are mandatory: a table over every identity-scoped method. */
  @Nested
  class IdentityRequired extends IdentityRequiredScenarios {
    IdentityRequired() {
      super(StateStoreTck.this);
    }
  }

  /** Other tenants and sessions are other slots; components compare as exact strings. */
  @Nested
  class Isolation extends IsolationScenarios {
    Isolation() {
      super(StateStoreTck.this);
    }
  }

  /** 128 concurrent listings among decoys, some interrupted. */
  @Nested
  class ConcurrentIsolation extends ConcurrentIsolationScenarios {
    ConcurrentIsolation() {
      super(StateStoreTck.this);
    }
  }

  /** The strings of CONTRACT.md 4.1: a table over every method and position. */
  @Nested
  class BadStrings extends BadStringsScenarios {
    BadStrings() {
      super(StateStoreTck.this);
    }
  }

  /** Null arguments: a table over every method that takes a list, record or action. */
  @Nested
  class NullArguments extends NullArgumentsScenarios {
    NullArguments() {
      super(StateStoreTck.this);
    }
  }

  /** The boundaries of CONTRACT.md 4.1 and the order of its checks. */
  @Nested
  class Validation extends ValidationScenarios {
    Validation() {
      super(StateStoreTck.this);
    }
  }

  /** saveAll: atomic, idempotent, no duplicates, no freeing and reusing an id in a batch. */
  @Nested
  class SaveAll extends SaveAllScenarios {
    SaveAll() {
      super(StateStoreTck.this);
    }
  }

  /** saveIf: multi-slot compare-and-swap. */
  @Nested
  class SaveIf extends SaveIfScenarios {
    SaveIf() {
      super(StateStoreTck.this);
    }
  }

  /** saveBatchIf: several writes under several predicates, all or nothing. */
  @Nested
  class SaveBatchIf extends SaveBatchIfScenarios {
    SaveBatchIf() {
      super(StateStoreTck.this);
    }
  }

  /** deleteIf: delete exactly one generation. */
  @Nested
  class DeleteIf extends DeleteIfScenarios {
    DeleteIf() {
      super(StateStoreTck.this);
    }
  }

  /** fenceIf: run an action while holding a slot's generation. */
  @Nested
  class FenceIf extends FenceIfScenarios {
    FenceIf() {
      super(StateStoreTck.this);
    }
  }

  /** delete and deleteScope: erasure by slot and by identity. */
  @Nested
  class DeleteAndDeleteScope extends DeleteAndDeleteScopeScenarios {
    DeleteAndDeleteScope() {
      super(StateStoreTck.this);
    }
  }

  /** listKind and listKindForIdentity: matching, order, limit. */
  @Nested
  class Listing extends ListingScenarios {
    Listing() {
      super(StateStoreTck.this);
    }
  }

  /** The limits of every bounded read: a table. */
  @Nested
  class Limits extends LimitsScenarios {
    Limits() {
      super(StateStoreTck.this);
    }
  }

  /** Reads across identities need ListScope.MAINTENANCE: a table. */
  @Nested
  class MaintenanceScope extends MaintenanceScopeScenarios {
    MaintenanceScope() {
      super(StateStoreTck.this);
    }
  }

  /** scanKindForTenant: keyset paging of one tenant. */
  @Nested
  class Scan extends ScanScenarios {
    Scan() {
      super(StateStoreTck.this);
    }
  }

  /** scanAll: the whole store, keyset-paginated. */
  @Nested
  class ScanWholeStore extends ScanWholeStoreScenarios {
    ScanWholeStore() {
      super(StateStoreTck.this);
    }
  }

  /** purge, eraseUser, eraseTenant: their checks, what they delete, racing saves. */
  @Nested
  class Retention extends RetentionScenarios {
    Retention() {
      super(StateStoreTck.this);
    }
  }

  /** close, interruption, heavy concurrent use and leaks. */
  @Nested
  class Lifecycle extends LifecycleScenarios {
    Lifecycle() {
      super(StateStoreTck.this);
    }
  }
}
