/**
 * `pnpm bench:ws`: publish→receive latency and delivered messages/s of one ws-feed process serving
 * N subscribed clients, against a bare ws broadcast server in the same run.
 *
 * Processes (the machine has few cores: the measured server must not share its process with the
 * clients): this orchestrator publishes synthetic book messages into Redis at a steady rate, one
 * child runs the server (the real ws-feed entry point, then the raw baseline), and BENCH_PROCS
 * children hold the client connections. Each message embeds its publish time in `ts`; clients
 * record receive − ts (same host clock, performance.timeOrigin-based, sub-ms).
 *
 * Env: BENCH_CLIENTS (10000), BENCH_RATE book messages/s (5), BENCH_SECONDS (15), BENCH_PROCS (2).
 * Needs `ulimit -n` above clients + a few hundred in the server (each process has its own limit).
 * Last line: the JSON result.
 */
import { execSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTestDatabase } from '@exchange/db';
import { keys } from '@exchange/protocol';
import { createRedis } from '@exchange/service-kit';
import { insertMarket } from '../../../packages/market-data/test/support/engine-sim';
import { SyntheticBook } from './synthetic-book';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const PROCS = Number(process.env.BENCH_PROCS ?? 2);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..', '..', '..');
const log = (...a: unknown[]) => console.error('[bench:ws]', ...a);
const now = () => performance.timeOrigin + performance.now();

interface Report {
  received: number;
  lastAt: number;
  hist: Array<[number, number]>;
  closed: number;
}

function once<T>(proc: ChildProcess, type: string, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(t);
      proc.off('message', onMsg);
      proc.off('exit', onExit);
    };
    const t = setTimeout(() => {
      done();
      reject(new Error(`no ${type} from child within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMsg = (m: { type?: string }) => {
      if (m.type !== type) return;
      done();
      resolve(m as T);
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`child exited (${code}) before ${type}`));
    };
    proc.on('message', onMsg);
    proc.on('exit', onExit);
  });
}

async function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

function percentile(hist: Map<number, number>, total: number, q: number): number {
  const want = Math.ceil(total * q);
  let seen = 0;
  for (const b of [...hist.keys()].sort((x, y) => x - y)) {
    seen += hist.get(b)!;
    if (seen >= want) return (b + 0.5) / 10;
  }
  return NaN;
}

/** One phase: a server child, the client children, a steady publish, the merged result. */
async function phase(name: string, server: ChildProcess, market: string, subscribe: boolean) {
  const { port } = await once<{ port: number }>(server, 'listening', 60_000);
  const url = `ws://127.0.0.1:${port}`;
  const t0 = Date.now();
  const procs: ChildProcess[] = [];
  for (let k = 0; k < PROCS; k++) {
    const count = Math.floor(CLIENTS / PROCS) + (k < CLIENTS % PROCS ? 1 : 0);
    procs.push(
      fork(join(__dirname, 'ws-clients.ts'), [], {
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          BENCH_URL: url,
          BENCH_COUNT: String(count),
          BENCH_MARKET: market,
          BENCH_SUBSCRIBE: String(subscribe),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
  }
  const ready = await Promise.all(procs.map((p) => once<{ ready: number }>(p, 'ready', 300_000)));
  const connected = ready.reduce((s, r) => s + r.ready, 0);
  log(`${name}: ${connected}/${CLIENTS} clients ready in ${Date.now() - t0} ms`);
  return { procs, connected, url };
}

async function measure(procs: ChildProcess[], publish: (at: number) => Promise<void>) {
  // Warm up, then measure a steady rate (open model: the schedule does not wait for delivery).
  const interval = 1000 / RATE;
  let sent = 0;
  const run = async (ms: number) => {
    const start = now();
    for (let k = 0; ; k++) {
      const due = start + k * interval;
      if (due - start >= ms) break;
      const wait = due - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await publish(now());
      sent++;
    }
  };
  await run(2000);
  await new Promise((r) => setTimeout(r, 200));
  const first = now();
  for (const p of procs) p.send({ type: 'start', from: first });
  sent = 0;
  await run(SECONDS * 1000);
  // Drain: wait until counts stop moving (or 10 s).
  let last = -1;
  for (let k = 0; k < 50; k++) {
    await new Promise((r) => setTimeout(r, 200));
    const counts = await Promise.all(
      procs.map((p) => {
        const r = once<{ received: number }>(p, 'count');
        p.send({ type: 'count' });
        return r;
      }),
    );
    const total = counts.reduce((s, c) => s + c.received, 0);
    if (total === last) break;
    last = total;
  }
  const reports = await Promise.all(
    procs.map((p) => {
      const r = once<Report>(p, 'report');
      p.send({ type: 'report' });
      return r;
    }),
  );
  const hist = new Map<number, number>();
  let received = 0;
  let lastAt = 0;
  let closed = 0;
  for (const r of reports) {
    received += r.received;
    lastAt = Math.max(lastAt, r.lastAt);
    closed += r.closed;
    for (const [b, n] of r.hist) hist.set(b, (hist.get(b) ?? 0) + n);
  }
  const seconds = Math.max(SECONDS, (lastAt - first) / 1000);
  return {
    sent,
    received,
    expected: sent * CLIENTS,
    closed,
    msgsPerSec: received / seconds,
    p50: percentile(hist, received, 0.5),
    p99: percentile(hist, received, 0.99),
    max: percentile(hist, received, 1),
  };
}

async function main(): Promise<void> {
  const ulimit = execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim();
  log(`clients=${CLIENTS} rate=${RATE}/s seconds=${SECONDS} client processes=${PROCS} ulimit -n=${ulimit}`);
  if (ulimit !== 'unlimited' && Number(ulimit) < CLIENTS / Math.max(1, Math.min(PROCS, 1)) + 256) {
    log(`warning: ulimit -n ${ulimit} may be too low for ${CLIENTS} connections in the server process`);
  }
  const db = await createTestDatabase('bench');
  const redis = createRedis(REDIS_URL, 'bench-pub');
  const market = `BENCH${Date.now().toString(36).toUpperCase()}`.slice(0, 20);
  await insertMarket(db.pool, market);
  const channel = keys.marketDataChannel(market);
  const children: ChildProcess[] = [];
  try {
    // ---- ws-feed ----
    const feed = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services/ws-feed/src/main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        DATABASE_SCHEMA: db.schema,
        REDIS_URL,
        LOG_LEVEL: 'warn',
        WS_PORT: '0',
        WS_HOST: '127.0.0.1',
        OPS_PORT: '0',
        MAX_CLIENTS: String(CLIENTS + 100),
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.push(feed);
    const book = new SyntheticBook(market);
    const f = await phase('ws-feed', feed, market, true);
    children.push(...f.procs);
    const feedResult = await measure(f.procs, (at) => redis.publish(channel, book.next(at)).then(() => undefined));
    log('ws-feed', feedResult);
    for (const p of f.procs) await kill(p);
    await kill(feed);

    // ---- baseline: raw ws broadcast of the same messages ----
    const raw = fork(join(__dirname, 'raw-broadcast.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, REDIS_URL, BENCH_CHANNEL: channel },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(raw);
    const r = await phase('raw broadcast', raw, market, false);
    children.push(...r.procs);
    const rawResult = await measure(r.procs, (at) => redis.publish(channel, book.next(at)).then(() => undefined));
    log('raw', rawResult);
    for (const p of r.procs) await kill(p);
    await kill(raw);

    const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    console.log(
      JSON.stringify({
        bench: 'ws',
        clients: Math.min(f.connected, CLIENTS),
        msgs_per_sec_delivered: Math.round(feedResult.msgsPerSec),
        p50_ms: round(feedResult.p50),
        p99_ms: round(feedResult.p99),
        baseline: 'raw ws broadcast',
        baseline_msgs_per_sec: Math.round(rawResult.msgsPerSec),
        ratio: round(feedResult.msgsPerSec / rawResult.msgsPerSec, 3),
        // the floor this machine sets: the same clients and messages through a bare ws broadcast
        baseline_p50_ms: round(rawResult.p50),
        baseline_p99_ms: round(rawResult.p99),
      }),
    );
  } finally {
    for (const c of children) await kill(c);
    await redis.quit();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
