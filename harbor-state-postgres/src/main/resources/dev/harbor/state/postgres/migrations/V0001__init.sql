-- The records table: one row per slot. ${schema} is replaced by the quoted schema name.
-- Every key column uses the "C" collation so that comparison and ORDER BY follow UTF-8 byte order, as SPEC 4.10
-- requires, and so that range predicates on kind can use the primary key.
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

-- Deliberately no index on kind alone: every save would pay for it, while the calls it would serve (listKind across
-- identities) are maintenance calls. Bounded listKind walks the primary key in order and stops at the limit;
-- listKindForIdentity and scanKindForTenant use the primary key's leading columns and a range on kind.
