-- The records table: one row per slot. ${schema} is replaced by the quoted schema name.
-- Every key column uses the "C" collation so that comparison and ORDER BY follow UTF-8 byte order, as SPEC 4.10
-- requires, and so that range predicates on kind can use the indexes.
CREATE TABLE ${schema}.harbor_state_records (
  tenant_id  TEXT COLLATE "C" NOT NULL,
  user_id    TEXT COLLATE "C" NOT NULL,
  session_id TEXT COLLATE "C" NOT NULL,
  run_id     TEXT COLLATE "C" NOT NULL,
  kind       TEXT COLLATE "C" NOT NULL,
  event_id   TEXT COLLATE "C" NOT NULL,
  version    BIGINT NOT NULL,
  payload    BYTEA NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  CONSTRAINT harbor_state_records_pkey PRIMARY KEY (tenant_id, user_id, session_id, run_id, kind),
  -- Serves findByEventId and guards against one live event id reaching two slots under contention.
  CONSTRAINT harbor_state_records_event_id_key UNIQUE (event_id)
);

-- Serves listKind across identities (a range scan on the kind prefix).
CREATE INDEX harbor_state_records_kind_idx ON ${schema}.harbor_state_records (kind);
