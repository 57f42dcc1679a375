/**
 * Replay jobs: the bullmq queue `replay` and their record in `replay_jobs`. The gateway and the CLI
 * enqueue, read, list and cancel; the worker claims, reports progress and finishes. Postgres is the
 * record (bullmq keeps a job only while it runs and shortly after), and a result is written once.
 */
import { randomUUID } from 'node:crypto';
import { withTransaction, type Pool } from '@exchange/db';
import { Queue, type ConnectionOptions } from 'bullmq';
import { ReplayError } from './errors';
import type { JobState, ReplayJobView, ReplayProgress, ReplayRequest, ReplayResult, Until } from './types';

export const REPLAY_QUEUE = 'replay';

/** bullmq connection options from a redis:// URL (bullmq needs maxRetriesPerRequest: null). */
export function bullConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null,
  };
}

export interface Actor {
  keyId: string;
  accountId: number;
}

interface JobRow {
  job_id: string;
  mode: ReplayRequest['mode'];
  request: ReplayRequest;
  state: JobState;
  progress: ReplayProgress;
  result: ReplayResult | null;
  error: { code: string; message: string } | null;
  requested_by: Actor | null;
  attempts: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const COLUMNS =
  'job_id, mode, request, state, progress, result, error, requested_by, attempts, created_at, started_at, finished_at';

function view(r: JobRow): ReplayJobView {
  const v: ReplayJobView = {
    jobId: r.job_id,
    mode: r.mode,
    markets: r.request.markets,
    until: (r.request.until ?? null) as Until | null,
    fromSnapshot: r.request.fromSnapshot ?? false,
    state: r.state,
    progress: r.progress,
    result: r.result,
    requestedBy: r.requested_by,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    attempts: r.attempts,
  };
  if (r.error) v.error = r.error;
  return v;
}

const FINAL: JobState[] = ['completed', 'failed', 'cancelled'];

/** The jobs as the gateway and the CLI see them. */
export class ReplayJobs {
  private queue: Queue | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly redisUrl: string,
    /** Prefix of bullmq's keys (tests use their own). */
    private readonly prefix = 'bull',
  ) {}

  private q(): Queue {
    this.queue ??= new Queue(REPLAY_QUEUE, { connection: bullConnection(this.redisUrl), prefix: this.prefix });
    return this.queue;
  }

  async enqueue(req: ReplayRequest, actor: Actor | null): Promise<ReplayJobView> {
    const jobId = randomUUID();
    const { rows } = await this.pool.query<JobRow>(
      `INSERT INTO replay_jobs (job_id, mode, request, requested_by) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [jobId, req.mode, JSON.stringify(req), actor && JSON.stringify(actor)],
    );
    try {
      // a stalled or crashed attempt is retried; the row's state guard makes retries harmless
      await this.q().add(
        'replay',
        { jobId },
        {
          jobId,
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 1000 },
        },
      );
    } catch (err) {
      await finish(this.pool, jobId, 'failed', null, { code: 'ENQUEUE_FAILED', message: (err as Error).message });
      throw err;
    }
    return view(rows[0]!);
  }

  async get(jobId: string): Promise<ReplayJobView> {
    const { rows } = await this.pool.query<JobRow>(`SELECT ${COLUMNS} FROM replay_jobs WHERE job_id = $1`, [jobId]);
    if (!rows[0]) throw new ReplayError('JOB_NOT_FOUND', `no replay job ${jobId}`, { jobId });
    return view(rows[0]);
  }

  /** Newest first; the cursor is the last item's jobId. */
  async list(q: { limit: number; cursor?: string }): Promise<{ items: ReplayJobView[]; nextCursor: string | null }> {
    const { rows } = await this.pool.query<JobRow>(
      `SELECT ${COLUMNS} FROM replay_jobs
        WHERE $1::text IS NULL OR (created_at, job_id) < (SELECT created_at, job_id FROM replay_jobs WHERE job_id = $1)
        ORDER BY created_at DESC, job_id DESC LIMIT $2`,
      [q.cursor ?? null, q.limit + 1],
    );
    const items = rows.slice(0, q.limit).map(view);
    return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.jobId : null };
  }

  /** Cancels a queued or running job: the row says so at once, the worker stops at its next check. */
  async cancel(jobId: string): Promise<ReplayJobView> {
    const current = await this.get(jobId);
    if (FINAL.includes(current.state)) {
      throw new ReplayError('JOB_FINISHED', `replay job ${jobId} is already ${current.state}`, {
        jobId,
        state: current.state,
      });
    }
    await finish(this.pool, jobId, 'cancelled', null, { code: 'CANCELLED', message: 'cancelled by an admin' });
    // a waiting job is removed; an active one is locked by its worker and stops by itself
    const job = await this.q().getJob(jobId);
    if (job && !(await job.isActive())) await job.remove().catch(() => undefined);
    return this.get(jobId);
  }

  async close(): Promise<void> {
    await this.queue?.close();
  }
}

/** The worker's side: claim, progress, cancellation check. */
export class JobStore {
  constructor(private readonly pool: Pool) {}

  /** Marks the job running (one more attempt); null when it is already finished or cancelled. */
  async claim(jobId: string): Promise<ReplayRequest | null> {
    const { rows } = await this.pool.query<{ request: ReplayRequest }>(
      `UPDATE replay_jobs SET state = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now())
        WHERE job_id = $1 AND state IN ('queued', 'running') RETURNING request`,
      [jobId],
    );
    return rows[0]?.request ?? null;
  }

  async progress(jobId: string, p: ReplayProgress): Promise<void> {
    await this.pool.query(`UPDATE replay_jobs SET progress = $2 WHERE job_id = $1 AND state = 'running'`, [
      jobId,
      JSON.stringify(p),
    ]);
  }

  async state(jobId: string): Promise<JobState | null> {
    const { rows } = await this.pool.query<{ state: JobState }>('SELECT state FROM replay_jobs WHERE job_id = $1', [
      jobId,
    ]);
    return rows[0]?.state ?? null;
  }

  /** Writes the outcome unless one is recorded already; true when this call wrote it. */
  finish(
    jobId: string,
    state: 'completed' | 'failed',
    result: ReplayResult | null,
    error: { code: string; message: string } | null,
  ): Promise<boolean> {
    return finish(this.pool, jobId, state, result, error);
  }
}

/** The one write of a job's outcome, with its audit_log line, guarded by the state (idempotent). */
async function finish(
  pool: Pool,
  jobId: string,
  state: 'completed' | 'failed' | 'cancelled',
  result: ReplayResult | null,
  error: { code: string; message: string } | null,
): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{
      request: ReplayRequest;
      requested_by: Actor | null;
      progress: ReplayProgress;
    }>(
      `UPDATE replay_jobs SET state = $2, result = $3, error = $4, finished_at = now(),
              progress = CASE WHEN $2 = 'completed'
                              THEN jsonb_set(progress, '{percent}', '100') ELSE progress END
        WHERE job_id = $1 AND state IN ('queued', 'running') RETURNING request, requested_by, progress`,
      [jobId, state, result && JSON.stringify(result), error && JSON.stringify(error)],
    );
    const row = rows[0];
    if (!row) return false;
    const actor = row.requested_by ?? { keyId: 'cli', accountId: 0 };
    await client.query(
      `INSERT INTO audit_log (actor_key_id, actor_account_id, ip, action, target, request, status, outcome)
       VALUES ($1, $2, NULL, $3, $4, $5, $6, $7)`,
      [
        actor.keyId,
        actor.accountId,
        `replay.${state}`,
        `/v1/admin/replays/${jobId}`,
        JSON.stringify(row.request),
        state === 'completed' ? 200 : state === 'cancelled' ? 499 : 500,
        JSON.stringify({ jobId, state, error, result: result && summary(result) }),
      ],
    );
    return true;
  });
}

/** What the audit line keeps of a result: the verdicts, not the books. */
function summary(r: ReplayResult): unknown {
  return {
    match: r.match,
    markets: r.markets.map((m) => ({
      market: m.market,
      seq: m.seq,
      replayedHash: m.replayedHash,
      liveHash: m.liveHash,
      match: m.match,
      firstDivergence: m.firstDivergence,
    })),
    balances: r.balances && {
      replayedHash: r.balances.replayedHash,
      liveHash: r.balances.liveHash,
      match: r.balances.match,
      firstDivergence: r.balances.firstDivergence,
    },
    exported: r.exported,
  };
}
