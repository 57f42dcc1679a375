/**
 * pnpm bench:gateway — signed POST /v1/orders per second against the real gateway (child process,
 * real Redis and Postgres), with a bare express hello-world as the baseline measured in the same
 * run. Orders use respType "ack": the gateway's own path (auth, rate limit, validation with the
 * market's units, read-model checks, the atomic INCR + XADD) without waiting for an engine.
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

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
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

function cpuUsPerRequest(cpuMsUsed: number, result: autocannon.Result): number {
  return Math.round((cpuMsUsed * 1000) / result.requests.total);
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
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

    // baseline
    const helloPort = await freePort();
    const hello = spawnTs(join(__dirname, 'hello-world.ts'), { PORT: String(helloPort) });
    children.push(hello);
    await new Promise<void>((resolve) => hello.once('message', () => resolve()));
    const helloOpts = {
      url: `http://127.0.0.1:${helloPort}/hello`,
      method: 'POST' as const,
      connections: CONNECTIONS,
      body: '{}',
    };
    await run({ ...helloOpts, duration: 2 });
    const helloCpu = cpuMs(hello.pid!);
    const baseline = await run({ ...helloOpts, duration: DURATION_S });
    const helloCpuUsPerRequest = cpuUsPerRequest(cpuMs(hello.pid!) - helloCpu, baseline);
    await stopChild(hello);

    // gateway
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
    await run({ ...gwOpts, duration: 2 });
    const gatewayCpu = cpuMs(gateway.pid!);
    const ours = await run({ ...gwOpts, duration: DURATION_S });
    const gatewayCpuUsPerRequest = cpuUsPerRequest(cpuMs(gateway.pid!) - gatewayCpu, ours);
    await stopChild(gateway);

    const bad = ours.non2xx + ours.errors + ours.timeouts;
    const result = {
      bench: 'gateway',
      ours_rps: Math.round(ours.requests.average),
      baseline_rps: Math.round(baseline.requests.average),
      ratio: Number((ours.requests.average / baseline.requests.average).toFixed(3)),
      p99_ms: ours.latency.p99,
    };
    console.log(
      JSON.stringify({
        detail: {
          connections: CONNECTIONS,
          seconds: DURATION_S,
          ours: {
            p50_ms: ours.latency.p50,
            p99_ms: ours.latency.p99,
            non2xx: ours.non2xx,
            errors: ours.errors,
            total: ours.requests.total,
            cpu_us_per_request: gatewayCpuUsPerRequest,
          },
          baseline: {
            p50_ms: baseline.latency.p50,
            p99_ms: baseline.latency.p99,
            cpu_us_per_request: helloCpuUsPerRequest,
          },
        },
      }),
    );
    if (bad > 0) console.error(`gateway answered ${bad} requests with a non-2xx status or an error`);
    console.log(JSON.stringify(result));
  } finally {
    for (const c of children) await stopChild(c);
    await redis.del(`cmd:${symbol}`);
    redis.disconnect();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
