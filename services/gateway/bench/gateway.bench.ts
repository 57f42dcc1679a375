/**
 * pnpm bench:gateway — signed POST /v1/orders per second against the real gateway (child process,
 * real Redis and Postgres), with a bare express hello-world as the baseline measured in the same
 * run: both servers are up side by side and measured in alternating rounds (BENCH_ROUNDS, 4 by
 * default, BENCH_SECONDS in all for each). Orders use respType "ack": the gateway's own path (auth,
 * rate limit, validation with the market's units, the open-order check, the atomic INCR + XADD)
 * without waiting for an engine.
 * 32 connections by default (BENCH_CONNECTIONS): the most of 8, 16, 24, 32, 48 and 64 at which the
 * gateway's p99 stays within the 20 ms. The hello-world's rate is the same at all of them;
 * the gateway's grows up to about 48, as more concurrent places share each Redis write and read
 * (docs/benchmarks.md has the sweep).
 * Last stdout line: {"bench":"gateway","ours_rps":…,"baseline_rps":…,"ratio":…,"p99_ms":…}
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { canonicalString } from '@exchange/client';
import { createTestDatabase } from '@exchange/db';
import { createRedis } from '@exchange/service-kit';
import { ApiKeyStore } from '../src/auth/api-keys';
import { openOrdersKeysPattern } from '../src/projection/open-orders-mirror';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function spawnTs(file: string, env: Record<string, string>): ChildProcess {
  return fork(file, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/**
 * CPU time (user + system, ms) a server process has used so far, from /proc (Linux; clock ticks of
 * 10 ms). Its CPU per request is steadier than its rate on a shared two-core machine.
 */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** One server's runs: requests, seconds and CPU summed over the rounds, each round's latencies kept. */
class Tally {
  requests = 0;
  seconds = 0;
  cpuMs = 0;
  bad = 0;
  private readonly rounds: autocannon.Result[] = [];

  constructor(private readonly pid: number) {}

  async measure(runRound: () => Promise<autocannon.Result>): Promise<void> {
    const cpuBefore = cpuMs(this.pid);
    const r = await runRound();
    this.cpuMs += cpuMs(this.pid) - cpuBefore;
    this.requests += r.requests.total;
    this.seconds += r.duration;
    this.bad += r.non2xx + r.errors + r.timeouts;
    this.rounds.push(r);
  }

  rps(): number {
    return this.requests / this.seconds;
  }

  /** The highest of the rounds' p99s: no round's tail is averaged away. */
  worstP99(): number {
    return Math.max(...this.rounds.map((r) => r.latency.p99));
  }

  detail() {
    return {
      rps_per_round: this.rounds.map((r) => Math.round(r.requests.total / r.duration)),
      p50_ms: Math.max(...this.rounds.map((r) => r.latency.p50)),
      p99_ms: this.worstP99(),
      total: this.requests,
      non2xx_or_errors: this.bad,
      cpu_us_per_request: Math.round((this.cpuMs * 1000) / this.requests),
    };
  }
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench');
  const symbol = `B${randomBytes(4).toString('hex').toUpperCase()}`;
  const redis = createRedis(REDIS_URL, 'bench');
  const children: ChildProcess[] = [];
  try {
    await db.pool.query(`INSERT INTO assets (code, decimals) VALUES ('BTC', 8), ('USDT', 8)`);
    await db.pool.query(
      `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, min_notional) VALUES ($1, 'BTC', 'USDT', '0.01', '0.00001', '0.00001', '1')`,
      [symbol],
    );
    await db.pool.query(`INSERT INTO accounts (id, owner, kind) VALUES (1, 'bench', 'user')`);
    const masterKey = randomBytes(32).toString('hex');
    const key = await new ApiKeyStore(db.pool, masterKey).create(1, { scopes: ['read', 'trade'] });

    const helloPort = await freePort();
    const hello = spawnTs(join(__dirname, 'hello-world.ts'), { PORT: String(helloPort) });
    children.push(hello);
    await new Promise<void>((resolve) => hello.once('message', () => resolve()));
    const helloOpts: autocannon.Options = {
      url: `http://127.0.0.1:${helloPort}/hello`,
      method: 'POST',
      connections: CONNECTIONS,
      body: '{}',
    };

    const port = await freePort();
    const gateway = spawnTs(join(__dirname, '..', 'src', 'main.ts'), {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      DATABASE_SCHEMA: db.schema,
      REDIS_URL,
      GATEWAY_MASTER_KEY: masterKey,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_KEY_WEIGHT: '100000000',
      RATE_LIMIT_IP_WEIGHT: '100000000',
      MAX_OPEN_ORDERS_PER_ACCOUNT: '100000000',
    });
    children.push(gateway);
    await waitHttp(`http://127.0.0.1:${port}/healthz`);
    let n = 0;
    const sign = (body: string) => {
      const timestamp = String(Date.now());
      const nonce = `${randomBytes(8).toString('hex')}${(n++).toString(16).padStart(8, '0')}`;
      const signature = createHmac('sha256', key.secret)
        .update(canonicalString({ timestamp, nonce, method: 'POST', target: '/v1/orders', body }))
        .digest('hex');
      return {
        'content-type': 'application/json',
        'x-api-key': key.keyId,
        'x-timestamp': timestamp,
        'x-nonce': nonce,
        'x-signature': signature,
      };
    };
    const gwOpts: autocannon.Options = {
      url: `http://127.0.0.1:${port}/v1/orders`,
      connections: CONNECTIONS,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const price = (40000 + (n % 1000)).toString();
            const body = JSON.stringify({
              market: symbol,
              side: 'buy',
              type: 'limit',
              price,
              qty: '0.001',
              respType: 'ack',
            });
            return { ...req, method: 'POST', body, headers: sign(body) };
          },
        },
      ],
    };

    await run({ ...helloOpts, duration: 2 });
    await run({ ...gwOpts, duration: 2 });
    const baseline = new Tally(hello.pid!);
    const ours = new Tally(gateway.pid!);
    // Rounds in ABBA order, so that a machine whose speed drifts (a shared VM) weighs on both alike.
    const seconds = Math.max(1, Math.round(DURATION_S / ROUNDS));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ([baseline, ours] as const) : ([ours, baseline] as const);
      for (const tally of order) {
        await tally.measure(() => run({ ...(tally === ours ? gwOpts : helloOpts), duration: seconds }));
      }
    }
    await stopChild(gateway);

    const result = {
      bench: 'gateway',
      ours_rps: Math.round(ours.rps()),
      baseline_rps: Math.round(baseline.rps()),
      ratio: Number((ours.rps() / baseline.rps()).toFixed(3)),
      p99_ms: ours.worstP99(),
    };
    console.log(
      JSON.stringify({
        detail: {
          connections: CONNECTIONS,
          rounds: ROUNDS,
          seconds_per_round: seconds,
          ours: ours.detail(),
          baseline: baseline.detail(),
        },
      }),
    );
    const bad = ours.bad + baseline.bad;
    if (bad > 0) console.error(`${bad} requests were answered with a non-2xx status or failed`);
    console.log(JSON.stringify(result));
  } finally {
    for (const c of children) await stopChild(c);
    const mirror = await redis.keys(openOrdersKeysPattern(db.schema));
    await redis.del(`cmd:${symbol}`, ...mirror);
    redis.disconnect();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
