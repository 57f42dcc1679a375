-- Admin replay jobs (services/replay, ADR 0072). The row is the job's record: the gateway inserts it
-- (queued) and enqueues the bullmq job with the same id; the worker moves it to running, writes its
-- progress, and writes the result exactly once (an UPDATE guarded by the state, in one transaction
-- with its audit_log line), so a retried or stalled job never records a second result.
CREATE TABLE replay_jobs (
  job_id        text PRIMARY KEY CHECK (length(job_id) BETWEEN 1 AND 64),
  mode          text NOT NULL CHECK (mode IN ('verify', 'reconstruct', 'export')),
  request       jsonb NOT NULL,
  state         text NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
  progress      jsonb NOT NULL DEFAULT '{"eventsReplayed": 0, "totalEvents": 0, "percent": 0}',
  result        jsonb,
  error         jsonb,
  -- {keyId, accountId} of the admin who asked (null: the CLI)
  requested_by  jsonb,
  attempts      integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz
);
CREATE INDEX replay_jobs_recent ON replay_jobs (created_at DESC, job_id DESC);
