-- The records table: one row per slot. Every key column is NOT NULL (the empty run is ''), compared with SQLite's
-- default BINARY collation, which orders TEXT by the bytes of its UTF-8 encoding.
CREATE TABLE harbor_state_records (
  tenant_id  TEXT    NOT NULL,
  user_id    TEXT    NOT NULL,
  session_id TEXT    NOT NULL,
  run_id     TEXT    NOT NULL,
  kind       TEXT    NOT NULL,
  event_id   TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  payload    BLOB    NOT NULL,
  updated_at INTEGER NOT NULL, -- microseconds since the epoch
  PRIMARY KEY (tenant_id, user_id, session_id, run_id, kind)
);

-- Serves findByEventId and stops one event id from reaching two slots.
CREATE UNIQUE INDEX harbor_state_records_event_id ON harbor_state_records (event_id);

-- Serves listKind across identities: a range on kind.
CREATE INDEX harbor_state_records_kind ON harbor_state_records (kind);
