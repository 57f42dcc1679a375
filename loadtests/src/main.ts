/**
 * `pnpm loadtest`: the k6 scenarios at a bigger scale against a running exchange (by default the
 * URLs `./exchange start` prints), then the results table and, as the last line, one JSON object.
 *
 *   TRUST_PROXY_HOPS=1 ./exchange start            # in one terminal (traders get their own addresses)
 *   pnpm loadtest                                  # in another
 *   pnpm loadtest --start                          # or: start one itself (startExchange: the start
 *                                                  # command on a fresh DB, its own durable Redis)
 *
 * Scale: TRADERS, ORDER_RATES (one row each, default 50,200), DURATION (s per HTTP scenario),
 * CONNECTIONS, WS_CLIENTS, WS_RATE, FLOOD_KEYS. Admin key: ADMIN_KEY_ID + ADMIN_SECRET, or
 * DEMO_KEYS_FILE (default .data/demo-keys.json).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startExchange, type RunningExchange } from '../../e2e/support/exchange';
import { createTraders, type Target } from './api';
import { runHttp } from './http-load';
import { mixedTrading, orderPlacement, rateLimitFlood } from './scenarios';
import { formatTable, type ScenarioResult } from './stats';
import { wsSubscribers } from './ws-load';

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};

function adminKey(): Target['admin'] {
  const { ADMIN_KEY_ID: keyId, ADMIN_SECRET: secret } = process.env;
  if (keyId && secret) return { keyId, secret, accountId: 0 };
  const file = process.env.DEMO_KEYS_FILE ?? join(__dirname, '..', '..', '.data', 'demo-keys.json');
  const keys = JSON.parse(readFileSync(file, 'utf8')) as Array<{ owner: string; keyId: string; secret: string }>;
  const admin = keys.find((k) => k.owner === 'admin');
  if (!admin) throw new Error(`${file} has no admin key`);
  return { keyId: admin.keyId, secret: admin.secret, accountId: 0 };
}

async function main(): Promise<void> {
  let started: RunningExchange | undefined;
  if (process.argv.includes('--start')) started = await startExchange({ env: { TRUST_PROXY_HOPS: '1' } });
  const target: Target = started
    ? { rest: started.rest, ws: started.ws, admin: { ...started.keys.admin, ip: '2001:db8::ad' } }
    : {
        rest: process.env.BASE_URL ?? 'http://127.0.0.1:8080',
        ws: process.env.WS_URL ?? 'ws://127.0.0.1:8090',
        admin: { ...adminKey(), ip: '2001:db8::ad' },
      };
  try {
    await run(target);
  } finally {
    await started?.stop();
  }
}

async function run(target: Target): Promise<void> {
  const durationSec = num('DURATION', 20);
  const connections = num('CONNECTIONS', 20);
  const label = `loadtest-${Date.now().toString(36)}`;
  const log = (m: string) => process.stderr.write(`[loadtest] ${m}\n`);
  log(`creating traders on ${target.rest}`);
  const traders = await createTraders(target, num('TRADERS', 40), { spreadIps: true, label });
  const floodKeys = await createTraders(target, num('FLOOD_KEYS', 40), { spreadIps: false, label: `${label}-flood` });

  const results: ScenarioResult[] = [];
  const step = async (r: Promise<ScenarioResult>) => {
    const done = await r;
    log(`${done.scenario}: ${done.requests} requests, ${done.throttled} throttled, ${done.errors} errors`);
    results.push(done);
  };
  const baseline = await runHttp({
    scenario: 'baseline: GET /healthz',
    url: target.rest,
    connections,
    durationSec: Math.min(durationSec, 10),
    requests: [{ method: 'GET', path: '/healthz' }],
  });
  await step(Promise.resolve(baseline));
  for (const rate of (process.env.ORDER_RATES ?? '50,200').split(',').map(Number)) {
    if (!(rate > 0)) throw new Error('ORDER_RATES must be positive numbers, e.g. 50,200');
    await step(orderPlacement(target, traders, { rate, durationSec, connections }));
  }
  await step(mixedTrading(target, traders, { durationSec, connections }));
  await step(
    wsSubscribers(target, traders, { clients: num('WS_CLIENTS', 500), holdSec: durationSec, rate: num('WS_RATE', 50) }),
  );
  await step(rateLimitFlood(target, floodKeys, { durationSec, connections }));

  if (results.slice(1, -1).some((r) => r.throttled > 0)) {
    log(
      'throttled answers outside the flood: start the exchange with TRUST_PROXY_HOPS=1 so each trader has its address',
    );
  }
  process.stdout.write(`${formatTable(results)}\n\n`);
  const machine = { cpus: cpus().length, node: process.version, load1: Number(loadavg()[0]!.toFixed(2)) };
  process.stdout.write(
    `${JSON.stringify({
      machine,
      results: results.map(({ scenario, requests, throttled, errors, p50, p95, p99, throughput }) => ({
        scenario,
        requests,
        throttled,
        errors,
        p50,
        p95,
        p99,
        throughput: Math.round(throughput),
      })),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`loadtest failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
