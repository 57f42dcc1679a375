import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@exchange/service-kit';

export const replayConfigSchema = baseConfigSchema.extend({
  /** Jobs run at once by one worker (each job replays its markets side by side). */
  REPLAY_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  /** bullmq lock of an active job; a worker that stops renewing it (crash) loses the job to another after this. */
  REPLAY_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How often bullmq looks for stalled jobs (their lock expired) and puts them back. */
  REPLAY_STALLED_MS: z.coerce.number().int().min(500).default(30_000),
  /** A running job checks whether it was cancelled this often. */
  REPLAY_CANCEL_POLL_MS: z.coerce.number().int().min(50).default(500),
  /** Progress is written (job.updateProgress and replay_jobs) at most this often. */
  REPLAY_PROGRESS_MS: z.coerce.number().int().min(50).default(500),
  /** Prefix of bullmq's Redis keys. */
  REPLAY_QUEUE_PREFIX: z.string().min(1).default('bull'),
  /** Markets of one job replayed at once; each holds two Postgres connections while it runs. */
  REPLAY_MARKET_PARALLEL: z.coerce.number().int().min(1).max(16).default(2),
  /** Postgres connections: at least REPLAY_CONCURRENCY × REPLAY_MARKET_PARALLEL × 2 + a few. */
  PG_POOL_MAX: z.coerce.number().int().min(2).default(12),
  /** Tests only: sleep this long after every chunk of replayed commands, so a job can be caught mid-way. */
  REPLAY_TEST_CHUNK_DELAY_MS: z.coerce.number().int().min(0).default(0),
});

export type ReplayConfig = z.infer<typeof replayConfigSchema>;

export function loadReplayConfig(env: NodeJS.ProcessEnv = process.env): ReplayConfig {
  return loadConfig(replayConfigSchema, env);
}
