/**
 * `pnpm exchange replay <verify|reconstruct|export> --market SYM [--market SYM…]
 *   [--until-seq N | --until-time ISO] [--from-snapshot] [--depth N] [--local]`
 *
 * Enqueues a replay job and waits for it (as the admin API does), or with --local runs the replay in
 * this process. Prints the result as JSON (export: the events as NDJSON). Exit code 0 when replayed
 * and live state match, 3 when they do not, 1 on an error, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { createPool, migrate, type Pool } from '@exchange/db';
import {
  exportNdjson,
  ReplayError,
  replayRequestSchema,
  ReplayJobs,
  runReplay,
  type ReplayJobView,
  type ReplayRequest,
} from '@exchange/replay';
import { baseConfigSchema, loadConfig } from '@exchange/service-kit';
import { z } from 'zod';

const USAGE =
  'usage: exchange replay <verify|reconstruct|export> --market SYM [--market SYM ...] ' +
  '[--until-seq N | --until-time ISO] [--from-snapshot] [--depth N] [--local] [--timeout-ms N]';

function request(argv: string[]): { req: ReplayRequest; local: boolean; timeoutMs: number } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      market: { type: 'string', multiple: true },
      'until-seq': { type: 'string' },
      'until-time': { type: 'string' },
      'from-snapshot': { type: 'boolean' },
      depth: { type: 'string' },
      local: { type: 'boolean' },
      'timeout-ms': { type: 'string' },
    },
  });
  const until =
    values['until-seq'] !== undefined
      ? { seq: Number(values['until-seq']) }
      : values['until-time'] !== undefined
        ? { time: values['until-time'] }
        : undefined;
  const req = replayRequestSchema.parse({
    mode: positionals[0],
    markets: values.market ?? [],
    ...(until ? { until } : {}),
    ...(values['from-snapshot'] ? { fromSnapshot: true } : {}),
    ...(values.depth !== undefined ? { depth: Number(values.depth) } : {}),
  });
  return { req, local: values.local ?? false, timeoutMs: Number(values['timeout-ms'] ?? 600_000) };
}

/** Writes to stdout and resolves once the chunk is handed to the OS (so nothing is lost at exit). */
const out = (s: string) => new Promise<boolean>((resolve) => process.stdout.write(s, () => resolve(true)));
const drain = () => Promise.resolve();

async function viaQueue(
  pool: Pool,
  url: string,
  prefix: string,
  req: ReplayRequest,
  timeoutMs: number,
): Promise<ReplayJobView> {
  const jobs = new ReplayJobs(pool, url, prefix);
  try {
    const queued = await jobs.enqueue(req, null);
    process.stderr.write(`replay job ${queued.jobId} queued\n`);
    const until = Date.now() + timeoutMs;
    for (;;) {
      const job = await jobs.get(queued.jobId);
      if (job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled') return job;
      if (Date.now() > until) throw new Error(`replay job ${queued.jobId} still ${job.state} after ${timeoutMs} ms`);
      process.stderr.write(`\r${job.state} ${job.progress.percent}% (${job.progress.eventsReplayed} events)   `);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await jobs.close();
  }
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof request>;
  try {
    parsed = request(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { req, local, timeoutMs } = parsed;
  const env = loadConfig(
    baseConfigSchema.extend({ REPLAY_QUEUE_PREFIX: z.string().min(1).default('bull') }),
    process.env,
  );
  const pool = createPool({ url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, max: 4 + 2 * req.markets.length });
  try {
    await migrate(pool);
    if (local) {
      const result = await runReplay(pool, req);
      if (req.mode === 'export') {
        const view = { jobId: 'local', mode: req.mode, state: 'completed', result } as ReplayJobView;
        await exportNdjson(pool, view, out, drain);
        return 0;
      }
      await out(`${JSON.stringify(result, null, 2)}\n`);
      return result.match ? 0 : 3;
    }
    const job = await viaQueue(pool, env.REDIS_URL, env.REPLAY_QUEUE_PREFIX, req, timeoutMs);
    process.stderr.write('\n');
    if (req.mode === 'export' && job.state === 'completed') {
      await exportNdjson(pool, job, out, drain);
      return 0;
    }
    await out(`${JSON.stringify(job, null, 2)}\n`);
    return job.state !== 'completed' ? 1 : job.result?.match ? 0 : 3;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const text = err instanceof ReplayError ? err.message : ((err as Error).stack ?? String(err));
    process.stderr.write(`replay failed: ${text}\n`);
    process.exitCode = 1;
  },
);
