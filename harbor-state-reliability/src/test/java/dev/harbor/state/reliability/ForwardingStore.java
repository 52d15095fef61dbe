package dev.harbor.state.reliability;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A store that passes every call to another: the base of the deliberately broken stores. */
class ForwardingStore implements StateStore {

  final StateStore delegate;

  ForwardingStore(StateStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public void save(StateRecord record) {
    delegate.save(record);
  }

  @Override
  public void saveAll(List<StateRecord> records) {
    delegate.saveAll(records);
  }

  @Override
  public void saveIf(List<SlotExpectation> expectations, StateRecord next) {
    delegate.saveIf(expectations, next);
  }

  @Override
  public void saveBatchIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
    delegate.saveBatchIf(expectations, writes);
  }

  @Override
  public boolean deleteIf(SlotExpectation expectation) {
    return delegate.deleteIf(expectation);
  }

  @Override
  public void fenceIf(SlotExpectation expectation, Runnable action) {
    delegate.fenceIf(expectation, action);
  }

  @Override
  public Optional<StateRecord> find(Quadruple identity, String kind) {
    return delegate.find(identity, kind);
  }

  @Override
  public StateRecord load(Quadruple identity, String kind) {
    return delegate.load(identity, kind);
  }

  @Override
  public Optional<StateRecord> findByEventId(EventId eventId) {
    return delegate.findByEventId(eventId);
  }

  @Override
  public StateRecord loadByEventId(EventId eventId) {
    return delegate.loadByEventId(eventId);
  }

  @Override
  public Optional<StateRecord> findByEventId(String tenantId, EventId eventId) {
    return delegate.findByEventId(tenantId, eventId);
  }

  @Override
  public StateRecord loadByEventId(String tenantId, EventId eventId) {
    return delegate.loadByEventId(tenantId, eventId);
  }

  @Override
  public void delete(Quadruple identity, String kind) {
    delegate.delete(identity, kind);
  }

  @Override
  public int deleteScope(Identity identity) {
    return delegate.deleteScope(identity);
  }

  @Override
  public int purge(
      ListScope scope, String tenantId, String kindPrefix, Instant olderThan, int limit) {
    return delegate.purge(scope, tenantId, kindPrefix, olderThan, limit);
  }

  @Override
  public int eraseUser(ListScope scope, String tenantId, String userId, int limit) {
    return delegate.eraseUser(scope, tenantId, userId, limit);
  }

  @Override
  public int eraseTenant(ListScope scope, String tenantId, int limit) {
    return delegate.eraseTenant(scope, tenantId, limit);
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix) {
    return delegate.listKind(scope, kindPrefix);
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix, int limit) {
    return delegate.listKind(scope, kindPrefix, limit);
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix) {
    return delegate.listKindForIdentity(identity, kindPrefix);
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    return delegate.listKindForIdentity(identity, kindPrefix, limit);
  }

  @Override
  public ScanPage scanKindForTenant(
      ListScope scope, String tenantId, String kindPrefix, int limit, String continuation) {
    return delegate.scanKindForTenant(scope, tenantId, kindPrefix, limit, continuation);
  }

  @Override
  public ScanPage scanAll(ListScope scope, int limit, String continuation) {
    return delegate.scanAll(scope, limit, continuation);
  }

  @Override
  public String driverName() {
    return delegate.driverName();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
