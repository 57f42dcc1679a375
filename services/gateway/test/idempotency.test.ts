import { createHash, randomUUID } from 'node:crypto';
import { isApiError } from '@exchange/client';
import { eventually, startHarness, stateOf, type Harness } from './support/harness';

let h: Harness;
let market: string;
beforeAll(async () => {
  h = await startHarness({ RATE_LIMIT_KEY_WEIGHT: '25', RATE_LIMIT_WINDOW_MS: '60000' });
  market = h.market.symbol;
});
afterAll(async () => {
  await h?.stop();
});

async function funded() {
  const t = await h.trader();
  await h.admin.deposit({ accountId: t.accountId, asset: 'USDT', amount: '1000', reference: randomUUID() });
  return t;
}
const commands = () => h.gateway.redis.xlen(`cmd:${market}`);
const order = { side: 'buy' as const, type: 'limit' as const, price: '100', qty: '0.1' };

describe('Idempotency-Key', () => {
  it('same key and payload → the stored answer, one order', async () => {
    const t = await funded();
    const key = randomUUID();
    const before = await commands();
    const first = await t.client.placeOrder({ market, ...order }, { idempotencyKey: key });
    const again = await t.client.raw('POST', '/v1/orders', { body: { market, ...order }, idempotencyKey: key });
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first);
    expect(await commands()).toBe(before + 1);
  });

  it('same key, another payload → 422 IDEMPOTENCY_KEY_REUSED, nothing enqueued', async () => {
    const t = await funded();
    const key = randomUUID();
    await t.client.placeOrder({ market, ...order }, { idempotencyKey: key });
    const before = await stateOf(h);
    const err = await t.client
      .placeOrder({ market, ...order, qty: '0.2' }, { idempotencyKey: key })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await stateOf(h)).toEqual(before);
  });

  it('first still in flight → 409 IDEMPOTENCY_IN_FLIGHT (generic endpoints), nothing enqueued', async () => {
    const t = await funded();
    const key = randomUUID();
    const target = `/v1/orders?market=${market}`;
    const hash = createHash('sha256').update(`DELETE\n${target}\n`).digest('hex');
    await h.gateway.redis.hset(
      `gw:idem:${t.accountId}:DELETE /v1/orders:${key}`,
      'state',
      'in_flight',
      'hash',
      hash,
      'at',
      Date.now(),
    );
    const before = await stateOf(h);
    const err = await t.client.cancelAll(market, { idempotencyKey: key }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 409, code: 'IDEMPOTENCY_IN_FLIGHT' });
    expect(await stateOf(h)).toEqual(before);
  });

  it('concurrent retries of a place create one order', async () => {
    const t = await funded();
    const key = randomUUID();
    const before = await commands();
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        t.client.raw<{ orderId?: number; code?: string }>('POST', '/v1/orders', {
          body: { market, ...order },
          idempotencyKey: key,
        }),
      ),
    );
    expect(await commands()).toBe(before + 1);
    for (const r of results) {
      if (r.status === 409) expect(r.body.code).toBe('IDEMPOTENCY_IN_FLIGHT');
      else expect(r.status).toBe(200);
    }
    const ids = new Set(results.filter((r) => r.status === 200).map((r) => r.body.orderId));
    expect(ids.size).toBe(1);
  });

  it('a timed-out (202) place retried with its key answers the same order id; the bot reconciles by clientOrderId', async () => {
    const t = await funded();
    const key = randomUUID();
    const before = await commands();
    const first = await t.client.raw<{ orderId: number; status: string }>('POST', '/v1/orders', {
      body: { market, ...order, clientOrderId: 'slow-1', respType: 'ack' },
      idempotencyKey: key,
    });
    expect(first.status).toBe(202);
    expect(first.body.status).toBe('PENDING');
    const retry = await t.client.raw<{ orderId: number }>('POST', '/v1/orders', {
      body: { market, ...order, clientOrderId: 'slow-1', respType: 'ack' },
      idempotencyKey: key,
    });
    expect(retry.body.orderId).toBe(first.body.orderId);
    expect(await commands()).toBe(before + 1);
    const found = await eventually(() => t.client.getOrderByClientId('slow-1', market));
    expect(found).toMatchObject({ orderId: first.body.orderId, status: 'NEW' });
  });

  it('an invalid key → 400 INVALID_IDEMPOTENCY_KEY', async () => {
    const t = await funded();
    const err = await t.client
      .placeOrder({ market, ...order }, { idempotencyKey: 'bad key with spaces' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'INVALID_IDEMPOTENCY_KEY' });
  });
});

describe('rate limits', () => {
  it('over the key quota → 429 RATE_LIMITED with Retry-After and X-RateLimit-*, nothing enqueued', async () => {
    const t = await h.trader();
    const first = await t.client.raw('GET', '/v1/account');
    expect(first.headers['x-ratelimit-limit']).toBe('25');
    expect(Number(first.headers['x-ratelimit-remaining'])).toBe(24);
    expect(Number(first.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    for (let i = 0; i < 24; i++) await t.client.whoami();
    const before = await stateOf(h);
    const err = await t.client.placeOrder({ market, ...order }).catch((e: unknown) => e);
    expect(isApiError(err, 'RATE_LIMITED')).toBe(true);
    if (!isApiError(err)) return;
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBeGreaterThan(0);
    expect(err.headers['x-ratelimit-remaining']).toBe('0');
    expect(await stateOf(h)).toEqual(before);
  });
});
