/**
 * The load scenarios at CI scale against the whole exchange started the way users start it
 * (`./exchange start` via startExchange), with real outcomes asserted: orders accepted and
 * trading, sessions placing/amending/canceling, feed subscribers seeing a gapless book sequence,
 * and a one-address flood throttled by the per-IP limit with Retry-After on every 429.
 * The gateway trusts one proxy hop, so each trader presents its own X-Forwarded-For address.
 */
import { startExchange, type RunningExchange } from '../../e2e/support/exchange';
import { createTraders, type ApiKey, type Target } from '../src/api';
import { mixedTrading, orderPlacement, rateLimitFlood } from '../src/scenarios';
import { formatTable, type ScenarioResult } from '../src/stats';
import { wsSubscribers } from '../src/ws-load';

jest.setTimeout(180_000);

/** Low enough that even a slow, shared CI machine floods past it in a few seconds (default 1,200). */
const IP_WEIGHT = 200;
const WINDOW_MS = 10_000;
let ex: RunningExchange;
let target: Target;
let traders: ApiKey[];
let floodKeys: ApiKey[];
const results: ScenarioResult[] = [];

beforeAll(async () => {
  ex = await startExchange({
    env: {
      TRUST_PROXY_HOPS: '1',
      RATE_LIMIT_IP_WEIGHT: String(IP_WEIGHT),
      RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
    },
  });
  const admin = ex.keys.admin;
  target = {
    rest: ex.rest,
    ws: ex.ws,
    admin: { keyId: admin.keyId, secret: admin.secret, accountId: admin.accountId, ip: '2001:db8::ad' },
  };
  traders = await createTraders(target, 10, { spreadIps: true, label: 'ci' });
  floodKeys = await createTraders(target, 10, { spreadIps: false, label: 'ci-flood' });
});

afterAll(async () => {
  if (results.length) process.stdout.write(`\nload scenarios at CI scale:\n${formatTable(results)}\n`);
  await ex?.stop();
});

test('order placement: every paced order is accepted and orders trade', async () => {
  const rate = 20;
  const r = await orderPlacement(target, traders, { rate, durationSec: 4, connections: 8 });
  results.push(r);
  expect(r.errors).toBe(0);
  expect(r.throttled).toBe(0);
  expect(r.orderIds.length).toBe(r.requests);
  // The pace may fall behind on a loaded machine (reported as "not sent"); most arrivals go out.
  expect(r.requests).toBeGreaterThanOrEqual(rate * 4 * 0.5);
  expect(new Set(r.orderIds).size).toBe(r.orderIds.length);
  expect(r.filled).toBeGreaterThan(0);
  const trades = (await (await fetch(`${ex.rest}/v1/markets/BTCUSDT/trades?limit=1000`)).json()) as unknown[];
  expect(trades.length).toBeGreaterThan(0);
  expect(r.p99).toBeGreaterThan(0);
});

test('mixed trading: sessions place, amend, read and cancel without errors', async () => {
  // Paced: unpaced, a fast machine sends more than IP_WEIGHT per trader address in a window
  // (seen: 5 answers 429), and this scenario is about trading, not the limiter.
  const r = await mixedTrading(target, traders, { durationSec: 4, connections: 4, rate: 60 });
  results.push(r);
  expect(r.errors).toBe(0);
  expect(r.throttled).toBe(0);
  expect(r.placed).toBeGreaterThan(5);
  expect(r.amended).toBeGreaterThanOrEqual(r.placed - 4);
  // Sessions cut by the end of the run may miss their cancel: at most one per connection.
  expect(r.canceled).toBeGreaterThanOrEqual(r.placed - 4);
  expect(r.statuses['200']).toBe(r.requests);
});

test('ws subscribers: every client gets a snapshot and a gapless book sequence', async () => {
  const r = await wsSubscribers(target, traders, { clients: 30, holdSec: 4, rate: 20 });
  results.push(r);
  expect(r.orderErrors).toBe(0);
  expect(r.errors).toBe(0);
  for (const s of r.subscribers) {
    expect(s.snapshots).toBeGreaterThanOrEqual(1);
    expect(s.gaps).toBe(0);
    expect(s.applied).toBeGreaterThan(0);
  }
  expect(r.p50).toBeGreaterThan(0);
});

test('flood from one address over many keys: throttled by the per-IP limit, 429s carry Retry-After', async () => {
  const durationSec = 5;
  const r = await rateLimitFlood(target, floodKeys, { durationSec, connections: 10 });
  results.push(r);
  expect(r.errors).toBe(0);
  expect(r.throttled).toBeGreaterThan(0);
  expect(r.throttledWithoutRetryAfter).toBe(0);
  expect(r.accepted + r.throttled).toBe(r.requests);
  // GET /v1/account/balances weighs 2; the run touches at most ceil(duration / window) + 1 windows.
  const windows = Math.ceil((durationSec * 1000) / WINDOW_MS) + 1;
  expect(r.accepted * 2).toBeLessThanOrEqual(IP_WEIGHT * windows);
  // Each key alone may pass 600 weight per window: the 429s come from the per-IP limit.
  expect(r.accepted * 2).toBeLessThan(600);
});
