#!/bin/bash
# Per-row cost of the tenant policy (SPEC 9.4), server side, as a non-superuser role: the same scan of 200,000 rows of one
# tenant with the policy enforced and not, 5 runs each, alternating. Creates and drops its own schema and role.
set -e
S=harbor_rlscost_$$; R=harbor_rlscost_role_$$
P="psql -h 127.0.0.1 -U root test -qAt"
$P -c "CREATE ROLE $R LOGIN" -c "CREATE SCHEMA $S" -c "CREATE TABLE $S.harbor_state_records (tenant_id text COLLATE \"C\", kind text COLLATE \"C\", payload bytea)" \
  -c "INSERT INTO $S.harbor_state_records SELECT CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END, 'k' || g, '\\x00' FROM generate_series(1, 400000) g" \
  -c "CREATE POLICY p ON $S.harbor_state_records USING (tenant_id = ANY (COALESCE((SELECT CAST(NULLIF(current_setting('harbor_state.tenants', true), '') AS text[])), '{}') COLLATE \"C\") OR (SELECT current_setting('harbor_state.scope', true) IS NOT DISTINCT FROM 'all'))" \
  -c "GRANT USAGE ON SCHEMA $S TO $R" -c "GRANT SELECT ON $S.harbor_state_records TO $R" -c "ANALYZE $S.harbor_state_records"
Q="BEGIN; SELECT set_config('harbor_state.tenants', '{a}', true); EXPLAIN (ANALYZE, TIMING OFF) SELECT count(*) FROM $S.harbor_state_records WHERE tenant_id = 'a'; COMMIT;"
for i in 1 2 3 4 5; do
  $P -c "ALTER TABLE $S.harbor_state_records DISABLE ROW LEVEL SECURITY"
  echo "off $(psql -h 127.0.0.1 -U $R test -qAt -c "$Q" | grep 'Execution Time')"
  $P -c "ALTER TABLE $S.harbor_state_records ENABLE ROW LEVEL SECURITY"
  echo "on  $(psql -h 127.0.0.1 -U $R test -qAt -c "$Q" | grep 'Execution Time')"
done
$P -c "DROP SCHEMA $S CASCADE" -c "DROP ROLE $R"
