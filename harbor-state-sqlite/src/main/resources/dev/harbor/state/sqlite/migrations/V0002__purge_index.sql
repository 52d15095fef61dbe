-- Serves purge (retention by age): a tenant's records oldest first, ties in slot order, are one range of this index,
-- read in index order, so a step finds its first `limit` old records without scanning or sorting the table. The
-- kind prefix is checked on the index's own kind column, without reading the rows it skips.
CREATE INDEX harbor_state_records_tenant_age
  ON harbor_state_records (tenant_id, updated_at, user_id, session_id, run_id, kind);
