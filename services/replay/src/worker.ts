/**
 * The replay worker: takes jobs from the bullmq queue `replay`, runs them with progress and
 * cancellation, and records each job's outcome once (replay_jobs + audit_log). bullmq re-runs a job
 * whose worker died (stalled) or threw; the row's state makes every re-run harmless.
 */
import type { Pool } from '@exchange/db';
import { bullConnection, JobStore, REPLAY_QUEUE, ReplayError, runReplay, type ReplayProgress } from '@exchange/replay';
import type { Logger } from '@exchange/service-kit';
import { Worker, type Job } from 'bullmq';
import type { ReplayConfig } from './config';
import type { ReplayMetrics } from './metrics';

/** Errors a retry cannot fix: recorded as the job's failure at once. */
const FINAL_CODES = new Set(['UNKNOWN_MARKET', 'SNAPSHOT_CORRUPT', 'ARCHIVE_UNREADABLE']);

export interface ReplayJobData {
  jobId: string;
}

export function startWorker(
  pool: Pool,
  config: ReplayConfig,
  log: Logger,
  metrics: ReplayMetrics,
): Worker<ReplayJobData> {
  const store = new JobStore(pool);
  const worker = new Worker<ReplayJobData>(REPLAY_QUEUE, (job) => runJob(job, pool, store, config, log, metrics), {
    connection: bullConnection(config.REDIS_URL),
    prefix: config.REPLAY_QUEUE_PREFIX,
    concurrency: config.REPLAY_CONCURRENCY,
    lockDuration: config.REPLAY_LOCK_MS,
    stalledInterval: config.REPLAY_STALLED_MS,
    maxStalledCount: 3,
  });
  worker.on('error', (err) => log.error({ err }, 'replay worker error'));
  return worker;
}

async function runJob(
  job: Job<ReplayJobData>,
  pool: Pool,
  store: JobStore,
  config: ReplayConfig,
  log: Logger,
  metrics: ReplayMetrics,
): Promise<void> {
  const { jobId } = job.data;
  const req = await store.claim(jobId);
  if (!req) {
    metrics.jobs.inc({ mode: 'unknown', outcome: 'skipped' });
    log.info({ jobId }, 'replay job already finished or cancelled: nothing to do');
    return;
  }
  log.info({ jobId, attempt: job.attemptsMade + 1, req }, 'replay job started');
  const abort = new AbortController();
  const cancelPoll = setInterval(() => {
    store.state(jobId).then(
      (s) => {
        if (s === 'cancelled') abort.abort();
      },
      (err: unknown) => log.warn({ err, jobId }, 'cancellation check failed'),
    );
  }, config.REPLAY_CANCEL_POLL_MS);
  let lastWrite = 0;
  let lastEvents = 0;
  const onProgress = (p: ReplayProgress) => {
    metrics.events.inc(p.eventsReplayed - lastEvents);
    lastEvents = p.eventsReplayed;
    const now = Date.now();
    if (now - lastWrite < config.REPLAY_PROGRESS_MS && p.percent < 100) return;
    lastWrite = now;
    Promise.all([job.updateProgress({ ...p }), store.progress(jobId, p)]).catch((err: unknown) => {
      metrics.writeErrors.inc();
      log.warn({ err, jobId }, 'progress write failed');
    });
  };
  const delay = config.REPLAY_TEST_CHUNK_DELAY_MS;
  const timer = metrics.seconds.startTimer({ mode: req.mode });
  metrics.active.inc();
  try {
    const result = await runReplay(pool, req, {
      signal: abort.signal,
      onProgress,
      parallelMarkets: config.REPLAY_MARKET_PARALLEL,
      afterChunk: delay > 0 ? () => new Promise((r) => setTimeout(r, delay)) : undefined,
    });
    const wrote = await store.finish(jobId, 'completed', result, null);
    metrics.jobs.inc({ mode: req.mode, outcome: wrote ? 'completed' : 'skipped' });
    log.info({ jobId, match: result.match, wrote }, 'replay job completed');
  } catch (err) {
    if (err instanceof ReplayError && err.code === 'CANCELLED') {
      metrics.jobs.inc({ mode: req.mode, outcome: 'cancelled' });
      log.info({ jobId }, 'replay job cancelled');
      return;
    }
    const final =
      (err instanceof ReplayError && FINAL_CODES.has(err.code)) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    log.error({ err, jobId, final }, 'replay job failed');
    if (!final) {
      metrics.jobs.inc({ mode: req.mode, outcome: 'retried' });
      throw err; // bullmq retries it with backoff
    }
    const code = err instanceof ReplayError ? err.code : 'REPLAY_FAILED';
    await store.finish(jobId, 'failed', null, { code, message: (err as Error).message });
    metrics.jobs.inc({ mode: req.mode, outcome: 'failed' });
  } finally {
    clearInterval(cancelPoll);
    metrics.active.dec();
    timer();
  }
}
