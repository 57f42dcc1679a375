/**
 * `pnpm bench:engine`: commands per second through the whole engine — Redis stream in, match,
 * Postgres archive, Redis events out, XACK — against a baseline of bare Redis (XADD + XREADGROUP +
 * XACK of the same entries, no processing), in the same run and the same way:
 *
 * - a consumer runs in its own process (the engine: `src/main.ts`; the baseline: this file with
 *   `--baseline-consumer`), ready before the first entry is written;
 * - this process writes N entries as fast as pipelined XADD allows;
 * - the clock stops when the consumer group has read all N and has nothing pending (the engine acks
 *   only after the archive commit and the publish).
 *
 * p99 latency is measured separately at a steady rate (half the measured throughput, at most
 * 20,000/s): each command carries its send time as `ts`, and an observer reading events:{market}
 * takes now − ts at its first event. Uses its own Postgres schema and Redis keys and removes them.
 * The last line of stdout is the JSON summary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase } from '@exchange/db';
import { consumerGroups, keys } from '@exchange/protocol';
import { createRedis, type Redis } from '@exchange/service-kit';
import { take, workload } from '../test/workload';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..', '..', '..');
const N = Number(process.env.BENCH_N ?? 200_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);
const CHUNK = 1_000;

type Group = { entriesRead: number; pending: number };

async function groupState(redis: Redis, stream: string, group: string): Promise<Group> {
  const groups = (await redis.call('XINFO', 'GROUPS', stream)) as unknown[][];
  const g = groups.find((flat) => flat[flat.indexOf('name') + 1] === group);
  if (!g) return { entriesRead: 0, pending: 0 };
  return { entriesRead: Number(g[g.indexOf('entries-read') + 1] ?? 0), pending: Number(g[g.indexOf('pending') + 1]) };
}

async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Writes the entries with pipelined XADD, CHUNK at a time; returns when the last one is acknowledged by Redis. */
async function produce(redis: Redis, stream: string, entries: string[], firstInput = 1): Promise<void> {
  for (let off = 0; off < entries.length; off += CHUNK) {
    const p = redis.pipeline();
    const end = Math.min(off + CHUNK, entries.length);
    for (let n = off; n < end; n++) p.xadd(stream, '*', 'i', `${firstInput + n}-0`, 'c', entries[n]!);
    const res = await p.exec();
    for (const [err] of res ?? []) if (err) throw err;
  }
}

function spawnTs(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function waitForLine(child: ChildProcess, text: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" from child`)), timeoutMs);
    child.stdout!.on('data', (b: Buffer) => {
      buf = (buf + b.toString()).slice(-10_000);
      if (buf.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${String(code)} before "${text}"`)));
  });
}

const stopChild = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });

/** The baseline consumer: XREADGROUP COUNT 1000 BLOCK 100 + XACK until told to stop. */
async function baselineConsumer(stream: string): Promise<void> {
  const redis = createRedis(REDIS_URL, 'bench-baseline-consumer');
  await redis.xgroup('CREATE', stream, 'bench', '0', 'MKSTREAM');
  process.stdout.write('baseline consumer ready\n');
  let stop = false;
  process.on('SIGTERM', () => (stop = true));
  while (!stop) {
    const res = (await redis.xreadgroup(
      'GROUP',
      'bench',
      'c',
      'COUNT',
      CHUNK,
      'BLOCK',
      100,
      'STREAMS',
      stream,
      '>',
    )) as Array<[string, Array<[string, string[]]>]> | null;
    const entries = res?.[0]?.[1];
    if (entries?.length) await redis.xack(stream, 'bench', ...entries.map((e) => e[0]));
  }
  redis.disconnect();
}

async function measureBaseline(redis: Redis, entries: string[]): Promise<number> {
  const stream = `bench:baseline:${process.pid}`;
  await redis.del(stream);
  const child = spawnTs(['services/engine/bench/engine.bench.ts', '--baseline-consumer', stream], {});
  try {
    await waitForLine(child, 'baseline consumer ready');
    const t0 = performance.now();
    await produce(redis, stream, entries);
    await until(
      async () => {
        const g = await groupState(redis, stream, 'bench');
        return g.entriesRead >= entries.length && g.pending === 0;
      },
      600_000,
      'baseline consumer',
    );
    return entries.length / ((performance.now() - t0) / 1000);
  } finally {
    await stopChild(child);
    await redis.del(stream);
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--baseline-consumer') return baselineConsumer(process.argv[3]!);

  const db = await createTestDatabase('bench_engine');
  const redis = createRedis(REDIS_URL, 'bench-engine');
  const market = `BENCH${process.pid}`.slice(0, 20);
  const shard = `bench-${process.pid}`;
  const streams = [keys.engineStream(market), keys.eventStream(market)];
  let engine: ChildProcess | null = null;
  try {
    await redis.del(...streams);
    await db.pool.query(`INSERT INTO assets (code, decimals) VALUES ('BTC', 8), ('USDT', 8)`);
    await db.pool.query(
      `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, min_notional, shard)
       VALUES ($1, 'BTC', 'USDT', '0.01', '0.00001', '0.00001', '0', $2)`,
      [market, shard],
    );
    const commands = take(workload({ market, seed: 1 }), N);
    const avgBytes = Math.round(commands.reduce((s, c) => s + c.length, 0) / N);

    const baseline = await measureBaseline(redis, commands);
    console.log(`baseline (XADD + XREADGROUP + XACK, ${avgBytes} B commands): ${Math.round(baseline)}/s`);

    engine = spawnTs(['services/engine/src/main.ts'], {
      DATABASE_SCHEMA: db.schema,
      REDIS_URL,
      ENGINE_SHARD: shard,
      LOG_LEVEL: 'info',
      EVENTS_STREAM_RETAIN: String(10 * N),
    });
    await waitForLine(engine, '"msg":"engine ready"');
    const stream = keys.engineStream(market);
    const t0 = performance.now();
    await produce(redis, stream, commands);
    const produced = performance.now();
    await until(
      async () => {
        const g = await groupState(redis, stream, consumerGroups.engine);
        return g.entriesRead >= N && g.pending === 0;
      },
      600_000,
      'engine drain',
    );
    const ours = N / ((performance.now() - t0) / 1000);
    const { rows } = await db.pool.query<{ events: string; commands: string }>(
      `SELECT (SELECT count(*) FROM events WHERE market = $1) AS events,
              (SELECT count(*) FROM engine_commands WHERE market = $1) AS commands`,
      [market],
    );
    if (Number(rows[0]!.commands) !== N) throw new Error(`archive holds ${rows[0]!.commands} commands, expected ${N}`);
    console.log(
      `engine: ${Math.round(ours)} commands/s (${rows[0]!.events} events archived and published; producer done after ` +
        `${Math.round(produced - t0)} ms, drained after ${Math.round(performance.now() - t0)} ms)`,
    );

    // Latency at a steady rate: send time → first event in events:{market}.
    const rate = Math.min(20_000, Math.round(ours / 2));
    const count = rate * LATENCY_SECONDS;
    const gen = workload({ market, seed: 2, now: Date.now });
    // order ids must keep increasing: shift the second workload's ids above the first one's
    const shift = (text: string) => text.replace(/"orderId":(\d+)/, (_, id: string) => `"orderId":${Number(id) + N}`);
    const observer = createRedis(REDIS_URL, 'bench-observer');
    const latencies: number[] = [];
    let lastId = `${Number(rows[0]!.events)}-1`;
    let seen = 0;
    let lastCommand = '';
    const observing = (async () => {
      while (seen < count) {
        const res = (await observer.xread(
          'COUNT',
          10_000,
          'BLOCK',
          1000,
          'STREAMS',
          keys.eventStream(market),
          lastId,
        )) as Array<[string, Array<[string, string[]]>]> | null;
        const now = Date.now();
        for (const [id, fields] of res?.[0]?.[1] ?? []) {
          lastId = id;
          const e = JSON.parse(fields[1]!) as { commandId: string; ts: number };
          if (e.commandId !== lastCommand) {
            lastCommand = e.commandId;
            latencies.push(now - e.ts);
            seen++;
          }
        }
      }
    })();
    const tl = Date.now();
    const perTick = Math.max(1, Math.round(rate / 200)); // every 5 ms
    for (let sent = 0; sent < count;) {
      const n = Math.min(perTick, count - sent);
      const batch = Array.from({ length: n }, () => shift(gen.next().value as string));
      await produce(redis, stream, batch, N + 1 + sent);
      sent += n;
      const ahead = tl + (sent / rate) * 1000 - Date.now();
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      observing,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('latency observer timed out')), 120_000))),
    ]).finally(() => clearTimeout(timer));
    observer.disconnect();
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    console.log(
      `latency at ${rate} commands/s, XADD → first event in events:{market}: p50 ${pct(50)} ms, p99 ${pct(99)} ms`,
    );

    const round = (x: number) => Math.round(x);
    console.log(
      JSON.stringify({
        bench: 'engine',
        ours_cmds_per_sec: round(ours),
        baseline: 'redis xadd+xreadgroup',
        baseline_per_sec: round(baseline),
        ratio: Math.round((ours / baseline) * 1000) / 1000,
        p99_ms: pct(99),
      }),
    );
  } finally {
    if (engine) await stopChild(engine);
    await redis.del(...streams);
    redis.disconnect();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
