#!/usr/bin/env bash
# WAL bytes per transaction of pgbench's workloads (../shared/bench), the reference for WireCostMain's figures
# (docs/PERFORMANCE.md, issue 27). Runs as root on the server's host: pg_waldump reads pg_wal. The records are
# attributed by relation and transaction id, so other clients of the server do not enter the figure.
#   harbor-state-postgres/scripts/pgbench-wal.sh [BENCH_DIR] [URL] [TRANSACTIONS]
set -euo pipefail
bench=${1:-/work/shared/bench}
url=${2:-postgresql://root@127.0.0.1:5432/test}
n=${3:-500}
waldump=${PG_WALDUMP:-/usr/lib/postgresql/15/bin/pg_waldump}
schema=harbor_pgwal_$$
tmp=$(mktemp -d)
trap 'psql -q "$url" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
for f in schema upsert load batch100; do sed "s/harbor_pgbench/$schema/g" "$bench/$f.sql" >"$tmp/$f.sql"; done
PGOPTIONS="-c client_min_messages=warning" psql -q -v ON_ERROR_STOP=1 "$url" -f "$tmp/schema.sql" >/dev/null
waldir="$(psql -Atq "$url" -c 'SHOW data_directory')/pg_wal"
printf '%-9s %12s %12s\n' workload 'WAL rec B/tx' 'WAL tot B/tx'
for workload in upsert batch100; do
  pgbench -n -M prepared -c 1 -t 20 -f "$tmp/$workload.sql" "$url" >/dev/null 2>&1 # warm-up
  rels=$(psql -Atq "$url" -c "SELECT string_agg(c.relfilenode::text, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$schema' AND c.relfilenode <> 0")
  start=$(psql -Atq "$url" -c 'SELECT pg_current_wal_lsn()')
  pgbench -n -M prepared -c 1 -t "$n" -f "$tmp/$workload.sql" "$url" >/dev/null 2>&1
  end=$(psql -Atq "$url" -c 'SELECT pg_current_wal_lsn()')
  "$waldump" -p "$waldir" -s "$start" -e "$end" 2>/dev/null | awk -v rels="$rels" -v n="$n" -v w="$workload" '
    BEGIN { split(rels, r, " "); for (i in r) ours[r[i]] = 1 }
    { lines[NR] = $0
      match($0, /len \(rec\/tot\): *[0-9]+\/ *[0-9]+, tx: *[0-9]+/); s = substr($0, RSTART, RLENGTH)
      gsub(/[^0-9 ]/, " ", s); split(s, f, " "); rec[NR] = f[1]; tot[NR] = f[2]; tx[NR] = f[3]
      rel[NR] = ""; if (match($0, /rel [0-9]+\/[0-9]+\/[0-9]+/)) { q = substr($0, RSTART, RLENGTH); sub(/.*\//, "", q); rel[NR] = q }
      if (rel[NR] in ours && tx[NR] != 0) xids[tx[NR]] = 1 }
    END { for (i = 1; i <= NR; i++) if ((tx[i] in xids) || (rel[i] in ours)) { a += rec[i]; b += tot[i] }
          printf "%-9s %12.1f %12.1f\n", w, a / n, b / n }'
done
