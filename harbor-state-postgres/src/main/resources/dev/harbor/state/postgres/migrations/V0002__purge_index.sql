-- Serves purge (retention by age): a tenant's records oldest first, ties in slot order, are one range of this index,
-- read in index order, so a step finds its first `limit` old records without scanning or sorting the table, and checks
-- the kind prefix on the index's own kind column. Built in the migration's transaction (CREATE INDEX CONCURRENTLY cannot
-- run in one): an upgrade of a large table blocks writes for the time the build takes; run it in a quiet moment.
CREATE INDEX harbor_state_records_tenant_age
  ON ${schema}.harbor_state_records (tenant_id, updated_at, user_id, session_id, run_id, kind);
