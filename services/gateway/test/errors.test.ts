import { randomUUID } from 'node:crypto';
import { isApiError, type ExchangeClient } from '@exchange/client';
import { signedFetch, startHarness, stateOf, type Harness } from './support/harness';

let h: Harness;
let t: Awaited<ReturnType<Harness['trader']>>;
let market: string;
beforeAll(async () => {
  h = await startHarness({ BODY_LIMIT_BYTES: '2048' });
  market = h.market.symbol;
  t = await h.trader();
  await h.admin.deposit({ accountId: t.accountId, asset: 'USDT', amount: '1000', reference: randomUUID() });
});
afterAll(async () => {
  await h?.stop();
});

/** Runs `act`, expects the documented status and code, and that nothing changed. */
async function refused(act: () => Promise<unknown>, status: number, code: string): Promise<void> {
  const before = await stateOf(h);
  let caught: unknown;
  try {
    await act();
  } catch (err) {
    caught = err;
  }
  if (!isApiError(caught)) throw new Error(`expected ${code}, got ${String(caught)}`);
  expect({ status: caught.status, code: caught.code }).toEqual({ status, code });
  expect(await stateOf(h)).toEqual(before);
}

async function refusedRaw(
  res: Promise<{ status: number; body: { code?: string } }>,
  status: number,
  code: string,
): Promise<void> {
  const before = await stateOf(h);
  const r = await res;
  expect({ status: r.status, code: r.body.code }).toEqual({ status, code });
  expect(await stateOf(h)).toEqual(before);
}

const order = { side: 'buy' as const, type: 'limit' as const, price: '100', qty: '0.1' };

describe('authentication', () => {
  const creds = () => ({ keyId: t.keyId, secret: t.secret });
  const place = (extra: Record<string, unknown> = {}) => JSON.stringify({ market, ...order, ...extra });

  it('bad signature → 401 INVALID_SIGNATURE', async () => {
    await refusedRaw(
      signedFetch(h, creds(), { method: 'POST', target: '/v1/orders', body: place(), signature: 'ab'.repeat(32) }),
      401,
      'INVALID_SIGNATURE',
    );
    await refusedRaw(
      signedFetch(h, { ...creds(), secret: 'wrong' }, { method: 'POST', target: '/v1/orders', body: place() }),
      401,
      'INVALID_SIGNATURE',
    );
  });

  it('a body changed after signing → 401 INVALID_SIGNATURE', async () => {
    const { createHmac } = await import('node:crypto');
    const { canonicalString } = await import('@exchange/client');
    const ts = String(Date.now());
    const nonce = 'n'.repeat(20);
    const sig = createHmac('sha256', t.secret)
      .update(canonicalString({ timestamp: ts, nonce, method: 'POST', target: '/v1/orders', body: place() }))
      .digest('hex');
    await refusedRaw(
      signedFetch(h, creds(), {
        method: 'POST',
        target: '/v1/orders',
        body: place({ qty: '0.2' }),
        timestamp: Number(ts),
        nonce,
        signature: sig,
      }),
      401,
      'INVALID_SIGNATURE',
    );
  });

  it('expired or future timestamp → 401 TIMESTAMP_OUTSIDE_WINDOW', async () => {
    await refusedRaw(
      signedFetch(h, creds(), { method: 'POST', target: '/v1/orders', body: place(), timestamp: Date.now() - 60_000 }),
      401,
      'TIMESTAMP_OUTSIDE_WINDOW',
    );
    await refusedRaw(
      signedFetch(h, creds(), { method: 'POST', target: '/v1/orders', body: place(), timestamp: Date.now() + 10_000 }),
      401,
      'TIMESTAMP_OUTSIDE_WINDOW',
    );
  });

  it('missing headers → 401 MISSING_CREDENTIALS; unknown key → 401 INVALID_API_KEY', async () => {
    const before = await stateOf(h);
    const r = await fetch(`${h.baseUrl}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: place(),
    });
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ code: 'MISSING_CREDENTIALS' });
    await refusedRaw(
      signedFetch(h, { keyId: 'ak_0000000000000000000000', secret: 'x' }, { method: 'GET', target: '/v1/account' }),
      401,
      'INVALID_API_KEY',
    );
    expect(await stateOf(h)).toEqual(before);
  });

  it('a replayed request → 401 REPLAYED_REQUEST, and the order is placed once', async () => {
    const { createHmac } = await import('node:crypto');
    const { canonicalString } = await import('@exchange/client');
    const timestamp = Date.now();
    const nonce = randomUUID().replace(/-/g, '');
    const body = place({ clientOrderId: 'replay-1' });
    const signature = createHmac('sha256', t.secret)
      .update(canonicalString({ timestamp, nonce, method: 'POST', target: '/v1/orders', body }))
      .digest('hex');
    const first = await signedFetch(h, creds(), {
      method: 'POST',
      target: '/v1/orders',
      body,
      timestamp,
      nonce,
      signature,
    });
    expect(first.status).toBe(200);
    await refusedRaw(
      signedFetch(h, creds(), { method: 'POST', target: '/v1/orders', body, timestamp, nonce, signature }),
      401,
      'REPLAYED_REQUEST',
    );
    await t.client.cancelOrderByClientId(market, 'replay-1');
  });

  it('a place refused before its enqueue still uses its nonce and counts against the quota', async () => {
    // The place route admits in its enqueue's Redis step (ADR 0025); a refusal before it is admitted after.
    const { createHmac } = await import('node:crypto');
    const { canonicalString } = await import('@exchange/client');
    const signed = (body: string) => {
      const timestamp = Date.now();
      const nonce = randomUUID().replace(/-/g, '');
      const signature = createHmac('sha256', t.secret)
        .update(canonicalString({ timestamp, nonce, method: 'POST', target: '/v1/orders', body }))
        .digest('hex');
      return { method: 'POST', target: '/v1/orders', body, timestamp, nonce, signature };
    };
    const tooPrecise = signed(place({ qty: '0.123456789' }));
    const first = await signedFetch(h, creds(), tooPrecise);
    expect(first.status).toBe(400);
    const remaining = Number(first.headers.get('x-ratelimit-remaining'));
    expect(remaining).toBeGreaterThan(0);
    await refusedRaw(signedFetch(h, creds(), tooPrecise), 401, 'REPLAYED_REQUEST');

    const placed = await signedFetch(h, creds(), signed(place({ clientOrderId: 'counted-1' })));
    expect(placed.status).toBe(200);
    // the replay counted too: two requests since the first
    expect(Number(placed.headers.get('x-ratelimit-remaining'))).toBe(remaining - 2);
    expect(placed.headers.get('x-ratelimit-limit')).toBe(first.headers.get('x-ratelimit-limit'));
    await t.client.cancelOrderByClientId(market, 'counted-1');
  });

  it('wrong scope → 403 INSUFFICIENT_SCOPE; a new key reads until trade is granted', async () => {
    const reader = await h.trader(['read']);
    await reader.client.openOrders();
    await refused(() => reader.client.placeOrder({ market, ...order }), 403, 'INSUFFICIENT_SCOPE');
    await refused(() => t.client.createAccount({}), 403, 'INSUFFICIENT_SCOPE');
    await h.admin.updateApiKey(reader.keyId, { scopes: ['read', 'trade'] });
    await expect(reader.client.placeOrder({ market, ...order })).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  });

  it('IP allow-list → 403 IP_NOT_ALLOWED; a revoked key → 401', async () => {
    const fenced = await h.trader(['read'], ['10.1.2.0/24']);
    await refused(() => fenced.client.openOrders(), 403, 'IP_NOT_ALLOWED');
    const open = await h.trader(['read'], ['127.0.0.1']);
    await open.client.openOrders();
    await h.admin.revokeApiKey(open.keyId);
    await refused(() => open.client.openOrders(), 401, 'INVALID_API_KEY');
  });
});

describe('request validation', () => {
  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    await refusedRaw(
      signedFetch(
        h,
        { keyId: t.keyId, secret: t.secret },
        { method: 'POST', target: '/v1/orders', body: '{"market": ' },
      ),
      400,
      'MALFORMED_JSON',
    );
  });

  it('oversized body → 413 PAYLOAD_TOO_LARGE', async () => {
    const body = JSON.stringify({ market, ...order, clientOrderId: 'x', pad: 'y'.repeat(5000) });
    await refusedRaw(
      signedFetch(h, { keyId: t.keyId, secret: t.secret }, { method: 'POST', target: '/v1/orders', body }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('an oversized body sent in chunks, without Content-Length → 413 PAYLOAD_TOO_LARGE', async () => {
    const before = await stateOf(h);
    const chunk = new TextEncoder().encode(' '.repeat(1000));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 3) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${h.baseUrl}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await stateOf(h)).toEqual(before);
  });

  it('not JSON → 415; unknown fields (accountId, status, fee) → 400 VALIDATION_FAILED', async () => {
    await refusedRaw(
      signedFetch(
        h,
        { keyId: t.keyId, secret: t.secret },
        { method: 'POST', target: '/v1/orders', body: 'a=b', headers: { 'content-type': 'text/plain' } },
      ),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    for (const extra of [{ accountId: 1 }, { status: 'FILLED' }, { fee: '0' }, { orderId: 5 }]) {
      await refused(
        () => t.client.request('POST', '/v1/orders', { body: { market, ...order, ...extra } }),
        400,
        'VALIDATION_FAILED',
      );
    }
    await refused(() => t.client.orderHistory({ limit: 5000 }), 400, 'VALIDATION_FAILED');
    await refused(
      () => t.client.request('GET', '/v1/orders/open', { query: { account: 2 } }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it.each([
    ['100.001', 'TOO_PRECISE'],
    ['1e2', 'EXPONENT_FORM'],
    ['-5', 'NEGATIVE'],
    ['0', 'ZERO'],
    ['abc', 'MALFORMED'],
  ])('price %s → 400 %s', async (price, code) => {
    await refused(() => t.client.placeOrder({ market, ...order, price }), 400, code);
  });

  it('bad sizes → 400 OFF_LOT, BELOW_MIN_QTY, BELOW_MIN_NOTIONAL', async () => {
    await refused(() => t.client.placeOrder({ market, ...order, qty: '0.000015' }), 400, 'TOO_PRECISE');
    await refused(
      () => t.client.placeOrder({ market, ...order, price: '0.01', qty: '0.00001' }),
      400,
      'BELOW_MIN_NOTIONAL',
    );
  });

  it('unknown market → 400 UNKNOWN_MARKET; unknown route → 404 NOT_FOUND', async () => {
    await refused(() => t.client.placeOrder({ ...order, market: 'NOPE' }), 400, 'UNKNOWN_MARKET');
    await refused(() => t.client.book('NOPE'), 400, 'UNKNOWN_MARKET');
    await refused(() => t.client.request('GET', '/v1/nothing-here'), 404, 'NOT_FOUND');
  });
});

describe('orders of other accounts, funds, duplicates', () => {
  let other: { client: ExchangeClient; accountId: number };
  beforeAll(async () => {
    other = await h.trader();
  });

  it("another account's order → 404 ORDER_NOT_FOUND for get, cancel and amend", async () => {
    const mine = await t.client.placeOrder({ market, ...order, clientOrderId: 'mine-1' });
    await refused(() => other.client.getOrder(mine.orderId), 404, 'ORDER_NOT_FOUND');
    await refused(() => other.client.cancelOrder(mine.orderId), 404, 'ORDER_NOT_FOUND');
    await refused(() => other.client.amendOrder(mine.orderId, { qty: '0.05' }), 404, 'ORDER_NOT_FOUND');
    await refused(() => other.client.getOrderByClientId('mine-1'), 404, 'ORDER_NOT_FOUND');
    await t.client.cancelOrder(mine.orderId);
    await refused(() => t.client.cancelOrder(mine.orderId), 409, 'ORDER_NOT_OPEN');
  });

  it('insufficient funds → 400 INSUFFICIENT_FUNDS, balances unchanged', async () => {
    const before = await t.client.balances();
    const err = await t.client
      .placeOrder({ market, side: 'buy', type: 'limit', price: '1000000', qty: '1' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'INSUFFICIENT_FUNDS' });
    expect(await t.client.balances()).toEqual(before);
  });

  it('a duplicate open clientOrderId → 409 DUPLICATE_CLIENT_ORDER_ID', async () => {
    const first = await t.client.placeOrder({ market, ...order, clientOrderId: 'dup-1' });
    await refused(
      () => t.client.placeOrder({ market, ...order, clientOrderId: 'dup-1' }),
      409,
      'DUPLICATE_CLIENT_ORDER_ID',
    );
    await t.client.cancelOrder(first.orderId);
  });
});

describe('POST /v1/orders/test', () => {
  it('answers the order a place would enqueue, defaults filled in, and changes nothing', async () => {
    const before = await stateOf(h);
    expect(await t.client.testOrder({ market, ...order })).toEqual({
      market,
      side: 'buy',
      type: 'limit',
      tif: 'GTC',
      stp: 'cancel_oldest',
      postOnly: false,
      price: '100',
      qty: '0.1',
      quoteQty: null,
      stopPrice: null,
      displayQty: null,
      clientOrderId: null,
    });
    expect(
      await t.client.testOrder({ market, side: 'buy', type: 'market', quoteQty: '50', clientOrderId: 'probe-1' }),
    ).toMatchObject({ type: 'market', tif: 'IOC', quoteQty: '50', price: null, clientOrderId: 'probe-1' });
    // 10,000 USDT of bid against 1,000 held: funds are the lock stage's to judge, not the check's
    expect(await t.client.testOrder({ market, ...order, qty: '100' })).toMatchObject({ qty: '100' });
    expect(await stateOf(h)).toEqual(before);
  });

  it('refuses what a place refuses, with the same codes', async () => {
    await refused(() => t.client.testOrder({ market, ...order, price: '100.001' }), 400, 'TOO_PRECISE');
    await refused(() => t.client.testOrder({ market, ...order, qty: '0.00001' }), 400, 'BELOW_MIN_NOTIONAL');
    await refused(() => t.client.testOrder({ ...order, market: 'NOSUCH' }), 400, 'UNKNOWN_MARKET');
    await refused(
      () => t.client.testOrder({ market, ...order, accountId: 7 } as Parameters<ExchangeClient['testOrder']>[0]),
      400,
      'VALIDATION_FAILED',
    );
    const reader = await h.trader(['read']);
    await refused(() => reader.client.testOrder({ market, ...order }), 403, 'INSUFFICIENT_SCOPE');
  });
});
