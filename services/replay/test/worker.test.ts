/**
 * The worker as its own process (the real entry point) on a real queue: markets replay in
 * parallel, progress is reported, a job survives the worker being killed mid-way (bullmq stall
 * and retry) with exactly one result, a job can be cancelled, and an export streams the archive.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@exchange/db';
import type { MarketState } from '@exchange/engine';
import { bullConnection, exportNdjson, JobStore, REPLAY_QUEUE, ReplayJobs, type ReplayJobView } from '@exchange/replay';
import { Queue } from 'bullmq';
import { workload } from '../../engine/test/workload';
import { createMarket, REDIS_URL, uniqueSymbol, waitFor } from './harness';
import { btcusdt, seedArchive } from './seed';

const X = uniqueSymbol('WX');
const Y = uniqueSymbol('WY');
const PREFIX = `bull-test-${randomBytes(4).toString('hex')}`;
let db: TestDatabase;
let jobs: ReplayJobs;
const live = new Map<string, MarketState>();
const workers = new Set<ChildProcess>();
let opsPort = 0;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../src/main.ts')], {
    env: {
      ...process.env,
      DATABASE_SCHEMA: db.schema,
      REDIS_URL,
      LOG_LEVEL: 'silent',
      OPS_PORT: String(opsPort),
      REPLAY_QUEUE_PREFIX: PREFIX,
      REPLAY_CONCURRENCY: '2',
      REPLAY_LOCK_MS: '2000',
      REPLAY_STALLED_MS: '1000',
      REPLAY_PROGRESS_MS: '100',
      REPLAY_CANCEL_POLL_MS: '100',
      REPLAY_TEST_CHUNK_DELAY_MS: '40',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workers.add(child);
  child.on('exit', () => workers.delete(child));
  return child;
}

async function stopWorker(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

const finished = (id: string) =>
  waitFor(
    `job ${id} finished`,
    async () => {
      const j = await jobs.get(id);
      return ['completed', 'failed', 'cancelled'].includes(j.state) ? j : null;
    },
    60_000,
  );

const auditLines = async (id: string) =>
  (
    await db.pool.query<{ action: string; outcome: { state: string } }>(
      'SELECT action, outcome FROM audit_log WHERE target = $1 ORDER BY id',
      [`/v1/admin/replays/${id}`],
    )
  ).rows;

beforeAll(async () => {
  db = await createTestDatabase('replayw');
  for (const [m, seed] of [
    [X, 3],
    [Y, 5],
  ] as const) {
    await createMarket(db.pool, m);
    live.set(m, await seedArchive(db.pool, btcusdt(m), workload({ market: m, seed }), 60_000, 5_000));
  }
  jobs = new ReplayJobs(db.pool, REDIS_URL, PREFIX);
  opsPort = await freePort();
}, 120_000);

afterAll(async () => {
  for (const w of [...workers]) await stopWorker(w, 'SIGKILL');
  await jobs?.close();
  const queue = new Queue(REPLAY_QUEUE, { connection: bullConnection(REDIS_URL), prefix: PREFIX });
  await queue.obliterate({ force: true });
  await queue.close();
  await db?.drop();
});

describe('replay worker', () => {
  it('serves /healthz, /readyz and /metrics', async () => {
    startWorker();
    const get = (path: string) => fetch(`http://127.0.0.1:${opsPort}${path}`);
    const ready = await waitFor('readyz', async () => (await get('/readyz').catch(() => null))?.status === 200, 20_000);
    expect(ready).toBe(true);
    expect((await get('/healthz')).status).toBe(200);
    expect(await (await get('/metrics')).text()).toContain('replay_jobs_active');
  }, 30_000);

  it('replays different markets in parallel, with progress, to the live hashes', async () => {
    const a = await jobs.enqueue({ markets: [X], mode: 'verify' }, null);
    const b = await jobs.enqueue({ markets: [Y], mode: 'verify' }, null);
    expect(a.state).toBe('queued');
    const seen = await waitFor(
      'progress of a running job',
      async () => {
        const j = await jobs.get(a.jobId);
        return j.state === 'running' && j.progress.percent > 0 && j.progress.percent < 100 ? j : null;
      },
      30_000,
    );
    expect(seen.progress.totalEvents).toBe(live.get(X)!.seq);
    const [ja, jb] = [await finished(a.jobId), await finished(b.jobId)];
    for (const [j, m] of [
      [ja, X],
      [jb, Y],
    ] as const) {
      expect(j.state).toBe('completed');
      expect(j.result!.match).toBe(true);
      expect(j.result!.markets[0]!.replayedHash).toBe(live.get(m)!.mb.book.stateHash());
      expect(j.progress).toEqual({ eventsReplayed: live.get(m)!.seq, totalEvents: live.get(m)!.seq, percent: 100 });
    }
    // both ran at the same time
    const t = (j: ReplayJobView, k: 'startedAt' | 'finishedAt') => Date.parse(j[k]!);
    expect(t(ja, 'startedAt')).toBeLessThan(t(jb, 'finishedAt'));
    expect(t(jb, 'startedAt')).toBeLessThan(t(ja, 'finishedAt'));
    expect(await auditLines(a.jobId)).toEqual([expect.objectContaining({ action: 'replay.completed' })]);
  }, 90_000);

  it('survives a worker killed mid-job, with exactly one result', async () => {
    const job = await jobs.enqueue({ markets: [X, Y], mode: 'verify' }, { keyId: 'ak_test', accountId: 7 });
    await waitFor(
      'the job half-way',
      async () => {
        const j = await jobs.get(job.jobId);
        return j.state === 'running' && j.progress.percent >= 10;
      },
      30_000,
    );
    for (const w of [...workers]) await stopWorker(w, 'SIGKILL');
    expect((await jobs.get(job.jobId)).state).toBe('running');
    startWorker();
    const done = await finished(job.jobId);
    expect(done.state).toBe('completed');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(done.result!.match).toBe(true);
    expect(done.result!.markets.map((m) => m.replayedHash)).toEqual([
      live.get(X)!.mb.book.stateHash(),
      live.get(Y)!.mb.book.stateHash(),
    ]);
    // a late duplicate attempt (a stalled copy finishing after all) records nothing more
    expect(await new JobStore(db.pool).finish(job.jobId, 'completed', done.result, null)).toBe(false);
    const audit = await auditLines(job.jobId);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'replay.completed', outcome: { state: 'completed' } });
    expect((await jobs.get(job.jobId)).finishedAt).toBe(done.finishedAt);
  }, 90_000);

  it('cancels a running job', async () => {
    const job = await jobs.enqueue({ markets: [X], mode: 'reconstruct' }, null);
    await waitFor('the job running', async () => (await jobs.get(job.jobId)).progress.eventsReplayed > 0, 30_000);
    const cancelled = await jobs.cancel(job.jobId);
    expect(cancelled.state).toBe('cancelled');
    await expect(jobs.cancel(job.jobId)).rejects.toMatchObject({ code: 'JOB_FINISHED' });
    // the worker stops at its next check and writes nothing over it
    await new Promise((r) => setTimeout(r, 1000));
    const after = await jobs.get(job.jobId);
    expect(after).toMatchObject({ state: 'cancelled', result: null, error: { code: 'CANCELLED' } });
    expect(after.progress.percent).toBeLessThan(100);
    expect(await auditLines(job.jobId)).toEqual([expect.objectContaining({ action: 'replay.cancelled' })]);
  }, 60_000);

  it('exports the events as NDJSON, byte for byte the archive', async () => {
    const job = await jobs.enqueue({ markets: [Y], mode: 'export', until: { seq: 5000 } }, null);
    const done = await finished(job.jobId);
    expect(done).toMatchObject({ state: 'completed', result: { exported: 5000 } });
    let text = '';
    const n = await exportNdjson(
      db.pool,
      done,
      (c) => ((text += c), true),
      async () => undefined,
    );
    expect(n).toBe(5000);
    const { rows } = await db.pool.query<{ body: string }>(
      'SELECT body::text AS body FROM events WHERE market = $1 AND seq <= 5000 ORDER BY seq',
      [Y],
    );
    expect(text).toBe(rows.map((r) => `${r.body}\n`).join(''));
    const listed = await jobs.list({ limit: 2 });
    expect(listed.items[0]!.jobId).toBe(job.jobId);
    expect(listed.nextCursor).toBe(listed.items[1]!.jobId);
    expect((await jobs.list({ limit: 100, cursor: listed.nextCursor! })).items.map((j) => j.jobId)).not.toContain(
      job.jobId,
    );
  }, 60_000);

  it('runs from the CLI, through the queue or locally', async () => {
    if (workers.size === 0) startWorker();
    const cli = (args: string[]) =>
      promisify(execFile)(join(__dirname, '../../../exchange'), ['replay', ...args], {
        env: { ...process.env, DATABASE_SCHEMA: db.schema, REDIS_URL, REPLAY_QUEUE_PREFIX: PREFIX },
        maxBuffer: 64 << 20,
      });
    const queued = await cli(['verify', '--market', X, '--until-seq', '1000']);
    const job = JSON.parse(queued.stdout) as ReplayJobView;
    expect(job).toMatchObject({ state: 'completed', mode: 'verify', until: { seq: 1000 }, result: { match: true } });
    expect(job.result!.markets[0]!.seq).toBeLessThanOrEqual(1000);
    const local = JSON.parse((await cli(['reconstruct', '--market', Y, '--local', '--depth', '3'])).stdout);
    expect(local.markets[0]).toMatchObject({ market: Y, match: true, replayedHash: live.get(Y)!.mb.book.stateHash() });
    expect(local.markets[0].book.l2.bids.length).toBeLessThanOrEqual(3);
    await expect(cli(['verify', '--market', 'NOSUCH', '--local'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('UNKNOWN_MARKET'),
    });
  }, 60_000);
});
