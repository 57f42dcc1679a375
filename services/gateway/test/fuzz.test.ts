import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { signedFetch, startHarness, type Harness } from './support/harness';

let h: Harness;
let creds: { keyId: string; secret: string };
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  h = await startHarness({ BODY_LIMIT_BYTES: '4096' });
  const t = await h.trader(['read', 'trade']);
  await h.admin.deposit({ accountId: t.accountId, asset: 'USDT', amount: '5', reference: randomUUID() });
  creds = { keyId: t.keyId, secret: t.secret };
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await h?.stop();
});

/** What no refused request may change. (A well-formed order the account cannot pay for is recorded as REJECTED: allowed.) */
async function vitalState() {
  const q = async (sql: string) => (await h.db.pool.query(sql)).rows;
  await h.gateway.projector.catchUp();
  return {
    balances: await q('SELECT account, asset, available, locked FROM balances ORDER BY 1, 2'),
    transfers: await q('SELECT count(*) FROM transfers'),
    accounts: await q('SELECT count(*) FROM accounts'),
    keys: await q('SELECT id, scopes, ip_allowlist, revoked_at FROM api_keys ORDER BY id'),
    markets: await q('SELECT * FROM markets ORDER BY symbol'),
    orders: await q(`SELECT order_id, status, filled FROM orders WHERE status <> 'REJECTED' ORDER BY order_id`),
    trades: await q('SELECT count(*) FROM trades'),
  };
}

const segment = fc.oneof(
  fc.integer({ min: -5, max: 2 ** 40 }).map(String),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('9007199254740993', 'open', 'by-client-id', '%', '..', 'BTCUSDT'),
);
const path = fc.oneof(
  fc.constantFrom(
    '/v1/orders',
    '/v1/orders/open',
    '/v1/fills',
    '/v1/account',
    '/v1/account/balances',
    '/v1/account/ledger',
    '/v1/markets',
    '/v1/admin/markets',
    '/v1/admin/deposits',
  ),
  segment.map((s) => `/v1/orders/${encodeURIComponent(s)}`),
  segment.map((s) => `/v1/orders/by-client-id/${encodeURIComponent(s)}`),
  segment.map((s) => `/v1/markets/${encodeURIComponent(s)}/book`),
  segment.map((s) => `/v1/markets/${encodeURIComponent(s)}/candles`),
  fc.string({ maxLength: 20 }).map((s) => `/${encodeURIComponent(s)}`),
);
const query = fc.dictionary(
  fc.oneof(
    fc.constantFrom('market', 'limit', 'cursor', 'depth', 'interval', 'orderId', 'status', 'accountId'),
    fc.string({ maxLength: 6 }),
  ),
  fc.oneof(fc.string({ maxLength: 10 }), fc.integer().map(String), fc.constant('BTCUSDT')),
  { maxKeys: 3 },
);
const decimalish = fc.oneof(
  fc.constantFrom(
    '1',
    '0',
    '-1',
    '1e3',
    '0.000000001',
    '99999999999999999999999',
    '1.',
    '.5',
    ' 1',
    '0x10',
    'NaN',
    '1_000',
  ),
  fc.string({ maxLength: 8 }),
  fc.double().map(String),
  fc.integer(),
);
const orderish = fc.record(
  {
    market: fc.oneof(fc.constant(''), fc.string({ maxLength: 8 }), fc.constantFrom('BTCUSDT', 'NOPE')),
    side: fc.oneof(fc.constantFrom('buy', 'sell', 'BUY'), fc.anything()),
    type: fc.oneof(fc.constantFrom('limit', 'market', 'stop_limit', 'stop_market', 'iceberg'), fc.anything()),
    tif: fc.constantFrom('GTC', 'IOC', 'FOK', 'GTD'),
    price: decimalish,
    qty: decimalish,
    quoteQty: decimalish,
    stopPrice: decimalish,
    postOnly: fc.anything(),
    stp: fc.constantFrom('none', 'cancel_oldest', 'bogus'),
    clientOrderId: fc.string({ maxLength: 40 }),
    accountId: fc.integer(),
    status: fc.constant('FILLED'),
    fee: fc.constant('0'),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.constant(''),
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 50 }),
  orderish.map((o) => JSON.stringify(o)),
  fc.constantFrom('{', '[]', 'null', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '"\u0000"'),
);
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
  path,
  query,
  body,
  auth: fc.constantFrom('signed', 'signed', 'signed', 'unsigned', 'stale', 'badsig'),
  contentType: fc.constantFrom(
    'application/json',
    'application/json',
    'text/plain',
    'application/json; charset=utf-16',
  ),
  idempotencyKey: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
});

describe('fuzz', () => {
  it('thousands of random and malformed requests: never a 5xx, never an unhandled rejection, nothing vital changes', async () => {
    const before = await vitalState();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const qs = new URLSearchParams(r.query).toString();
        const target = r.path + (qs ? `?${qs}` : '');
        const headers: Record<string, string> = { 'content-type': r.contentType };
        if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey;
        let status: number;
        const method = r.method === 'GET' ? 'GET' : r.method;
        const sendBody = method === 'GET' ? '' : r.body;
        if (r.auth === 'unsigned') {
          const res = await fetch(h.baseUrl + target, { method, headers, body: sendBody || undefined });
          await res.text();
          status = res.status;
        } else {
          const res = await signedFetch(h, creds, {
            method,
            target,
            body: sendBody,
            headers,
            timestamp: r.auth === 'stale' ? Date.now() - 3_600_000 : undefined,
            signature: r.auth === 'badsig' ? '0'.repeat(64) : undefined,
          });
          status = res.status;
          expect(typeof res.body.code === 'string' || status < 400).toBe(true);
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 2500, seed: 20250101 },
    );
    expect(await vitalState()).toEqual(before);
    expect(unhandled).toEqual([]);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
    // the fuzzer gets past authentication into validation, lookups and the engine
    expect(statuses.get(400) ?? 0).toBeGreaterThan(200);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(20);
  }, 120_000);
});
