-- Row-level security on tenant_id (SPEC 9.4). The policy is created on every schema, but it acts only where the table
-- enforces row-level security: a store opened with rowSecurity=on (migrate=apply) runs
--   ALTER TABLE ... ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY
-- and with migrate=verify checks that it was. Until then PostgreSQL ignores the policy, so this migration changes
-- nothing for rowSecurity=off.
--
-- Every unit of work of the store declares, in the same round trip as its first statement, the tenants it reads and
-- writes: harbor_state.tenants holds them as a text[] literal, or harbor_state.scope holds 'all' for maintenance
-- (scanAll, listKind, the cross-tenant findByEventId, a snapshot's scanAll, migrations). A row outside them is
-- invisible to SELECT, UPDATE and DELETE, and an INSERT or UPDATE that would write one fails (42501). Both settings
-- are transaction-local, so a pooled (or PgBouncer) connection carries none of them into the next transaction, and a
-- statement that declared nothing sees no row at all.
--
-- Each setting is read in a scalar sub-select: an InitPlan, evaluated once per statement, not once per row (the
-- COALESCE makes it an expression, so ANY does not take the sub-select for a set of rows).
-- Superusers and roles with BYPASSRLS are never subject to it; the store's role should be neither.
CREATE POLICY harbor_state_tenant_rows ON ${schema}.harbor_state_records
  USING (
    tenant_id = ANY (COALESCE((SELECT CAST(NULLIF(current_setting('harbor_state.tenants', true), '') AS text[])),
                              '{}') COLLATE "C")
    OR (SELECT current_setting('harbor_state.scope', true) IS NOT DISTINCT FROM 'all')
  );
