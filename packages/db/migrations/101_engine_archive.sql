-- The event log: the system of record (ADR 0003). Append-only; the engine inserts, nothing updates.
CREATE TABLE events (
  market      text   NOT NULL,
  seq         bigint NOT NULL CHECK (seq > 0),
  command_id  text   NOT NULL,
  ts          bigint NOT NULL,
  type        text   NOT NULL,
  -- the whole EngineEvent as JSON text, byte for byte as emitted (json, not jsonb, keeps the bytes)
  body        json   NOT NULL,
  PRIMARY KEY (market, seq)
);
-- ts grows with seq, so a BRIN index serves time-range look-ups at almost no insert cost (a btree
-- on (market, ts) cost the archive's COPY a quarter to a third of its rate).
CREATE INDEX events_ts ON events USING brin (ts);

-- The command log: each applied command with the seq range it produced, for recovery and replay.
-- A command may produce no event (cancel_all of an account with nothing open): then
-- last_seq = first_seq - 1, so first_seq is not unique; recovery replays in input order.
CREATE TABLE engine_commands (
  market     text   NOT NULL,
  -- id of the command's entry in cmd:{market}; strictly increasing per market
  input_id   text   NOT NULL,
  input_ms   bigint NOT NULL,
  input_n    bigint NOT NULL,
  first_seq  bigint NOT NULL,
  last_seq   bigint NOT NULL,
  command    json   NOT NULL,
  lock_rejected text,
  PRIMARY KEY (market, input_ms, input_n)
);

CREATE TABLE engine_checkpoints (
  market         text PRIMARY KEY,
  last_seq       bigint NOT NULL,
  last_input_id  text   NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE engine_snapshots (
  market         text   NOT NULL,
  seq            bigint NOT NULL,
  last_input_id  text   NOT NULL,
  hash           text   NOT NULL,
  snapshot       jsonb  NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (market, seq)
);

-- Append-only, enforced: the archive is evidence.
CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER engine_commands_append_only BEFORE UPDATE OR DELETE ON engine_commands
  FOR EACH ROW EXECUTE FUNCTION forbid_change();
