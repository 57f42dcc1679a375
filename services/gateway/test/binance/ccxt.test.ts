/**
 * The real ccxt `binance` class, configured only through `urls` and options, against the real
 * pipeline (gateway + balance manager + engine in-process, Postgres, Redis): every call returns
 * the right data, and ccxt's own error mapping turns our answers into its exception classes.
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '@exchange/service-kit';
import { gatewayConfigSchema, startGateway, type Gateway } from '../../src';
import { accountsBackendFor } from '../support/accounts';
import { REDIS_URL, settled, startHarness, type Harness } from '../support/harness';
import { binanceFetch, type Json } from './support/binance-fetch';
import { CcxtRemote } from './support/ccxt-remote';

const SYM = 'BTC/USDT';
let h: Harness;
const remotes: CcxtRemote[] = [];

beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  for (const r of remotes) r.close();
  await h?.stop();
});

async function trader(btc: string, usdt: string, opts: { log?: boolean } = {}) {
  const t = await h.trader();
  if (btc !== '0')
    await h.admin.deposit({ accountId: t.accountId, asset: 'BTC', amount: btc, reference: randomUUID() });
  if (usdt !== '0')
    await h.admin.deposit({ accountId: t.accountId, asset: 'USDT', amount: usdt, reference: randomUUID() });
  const ex = new CcxtRemote({ apiKey: t.keyId, secret: t.secret, baseUrl: h.baseUrl, log: opts.log });
  remotes.push(ex);
  await ex.call('loadMarkets');
  return { ...t, ex };
}

describe('ccxt binance against our /api/v3', () => {
  it('loadMarkets reads only exchangeInfo and gets our filters as precision and limits', async () => {
    const t = await trader('0', '0', { log: true });
    expect(t.ex.requests).toEqual([`GET ${h.baseUrl}/api/v3/exchangeInfo`]);
    const markets = await t.ex.call<Record<string, Json>>('loadMarkets');
    expect(Object.keys(markets)).toEqual([SYM]);
    expect(markets[SYM]).toMatchObject({
      id: h.market.symbol,
      base: 'BTC',
      quote: 'USDT',
      spot: true,
      active: true,
      precision: { amount: 0.00001, price: 0.01 },
      limits: { amount: { min: 0.00001 }, price: { min: 0.01 }, cost: { min: 1 } },
    });
  });

  it('trades a full session: balances, limit, post-only, market, book, orders, trades, ticker, candles, edit, cancels', async () => {
    const maker = await trader('1', '100000');
    const taker = await trader('0', '10000');

    expect(await maker.ex.call('fetchBalance')).toMatchObject({
      BTC: { free: 1, used: 0, total: 1 },
      USDT: { free: 100000, used: 0, total: 100000 },
    });

    const ask = await maker.ex.call('createOrder', SYM, 'limit', 'sell', 0.1, 50000);
    expect(ask).toMatchObject({ symbol: SYM, type: 'limit', side: 'sell', price: 50000, amount: 0.1, filled: 0 });
    expect(ask.status).toBe('open');
    expect(ask.clientOrderId).toMatch(/^[A-Za-z0-9._:/-]{1,36}$/);

    const bid = await maker.ex.call('createOrder', SYM, 'limit', 'buy', 0.1, 40000, { postOnly: true });
    expect(bid).toMatchObject({ type: 'limit', side: 'buy', price: 40000, amount: 0.1, postOnly: true });
    expect(await maker.ex.call('fetchBalance')).toMatchObject({
      BTC: { free: 0.9, used: 0.1 },
      // 4000 + the fee headroom at max(maker, taker) = 20 bps: 8
      USDT: { free: 95992, used: 4008 },
    });

    const buy = await taker.ex.call('createOrder', SYM, 'market', 'buy', 0.04);
    expect(buy).toMatchObject({
      status: 'closed',
      side: 'buy',
      type: 'market',
      filled: 0.04,
      average: 50000,
      cost: 2000,
    });
    expect(buy.trades).toHaveLength(1);
    expect(buy.trades[0]).toMatchObject({ price: 50000, amount: 0.04, fee: { cost: 4, currency: 'USDT' } });

    const makerAsk = await maker.ex.call('fetchOrder', ask.id, SYM);
    expect(makerAsk).toMatchObject({ id: ask.id, status: 'open', filled: 0.04, remaining: 0.06, cost: 2000 });

    expect((await maker.ex.call<Json[]>('fetchOpenOrders', SYM)).map((o) => o.id).sort()).toEqual(
      [ask.id, bid.id].sort(),
    );

    const takerTrades = await taker.ex.call<Json[]>('fetchMyTrades', SYM);
    expect(takerTrades).toHaveLength(1);
    expect(takerTrades[0]).toMatchObject({
      order: buy.id,
      side: 'buy',
      takerOrMaker: 'taker',
      price: 50000,
      amount: 0.04,
      cost: 2000,
      fee: { cost: 4, currency: 'USDT' },
    });
    const makerTrades = await maker.ex.call<Json[]>('fetchMyTrades', SYM);
    expect(makerTrades[0]).toMatchObject({
      id: takerTrades[0].id,
      side: 'sell',
      takerOrMaker: 'maker',
      fee: { cost: 2 },
    });

    await settled(h);
    const book = await taker.ex.call('fetchOrderBook', SYM);
    expect(book.asks).toEqual([[50000, 0.06]]);
    expect(book.bids).toEqual([[40000, 0.1]]);
    expect(book.nonce).toBe(Number((await h.db.pool.query('SELECT max(seq) AS s FROM events')).rows[0].s));

    expect(await taker.ex.call('fetchTicker', SYM)).toMatchObject({
      symbol: SYM,
      last: 50000,
      open: 50000,
      high: 50000,
      low: 50000,
      bid: 40000,
      bidVolume: 0.1,
      ask: 50000,
      askVolume: 0.06,
      baseVolume: 0.04,
      quoteVolume: 2000,
    });
    // /ticker/bookTicker and /ticker/price
    const tops = await taker.ex.call<Record<string, Json>>('fetchBidsAsks', [SYM]);
    expect(tops[SYM]).toMatchObject({ symbol: SYM, bid: 40000, bidVolume: 0.1, ask: 50000, askVolume: 0.06 });
    const prices = await taker.ex.call<Record<string, Json>>('fetchLastPrices', [SYM]);
    expect(prices[SYM]).toMatchObject({ symbol: SYM, price: 50000 });

    const candles = await taker.ex.call<number[][]>('fetchOHLCV', SYM, '1m');
    expect(candles).toHaveLength(1);
    expect(candles[0]!.slice(1)).toEqual([50000, 50000, 50000, 50000, 0.04]);
    expect(candles[0]![0]! % 60_000).toBe(0);

    // editOrder is Binance's cancelReplace: the old order is canceled, a new one takes its place
    const edited = await maker.ex.call('editOrder', bid.id, SYM, 'limit', 'buy', 0.2, 39000);
    expect(edited).toMatchObject({ status: 'open', side: 'buy', price: 39000, amount: 0.2 });
    expect(edited.id).not.toBe(bid.id);
    expect(await maker.ex.call('fetchOrder', bid.id, SYM)).toMatchObject({ status: 'canceled', filled: 0 });

    const canceled = await maker.ex.call('cancelOrder', ask.id, SYM);
    expect(canceled).toMatchObject({ id: ask.id, status: 'canceled', filled: 0.04, remaining: 0.06 });

    const all = await maker.ex.call<Json[]>('cancelAllOrders', SYM);
    expect(all.map((o) => [o.id, o.status])).toEqual([[edited.id, 'canceled']]);
    expect(await maker.ex.call('fetchOpenOrders', SYM)).toEqual([]);
    // /allOrders: every order of the session, oldest first
    const history = await maker.ex.call<Json[]>('fetchOrders', SYM);
    expect(history.map((o) => [o.id, o.status, o.filled])).toEqual([
      [ask.id, 'canceled', 0.04],
      [bid.id, 'canceled', 0],
      [edited.id, 'canceled', 0],
    ]);
    expect((await taker.ex.call<Json[]>('fetchClosedOrders', SYM)).map((o) => o.id)).toEqual([buy.id]);
    expect(await taker.ex.call('fetchCanceledOrders', SYM)).toEqual([]);
    await settled(h);
    expect(await maker.ex.call('fetchBalance')).toMatchObject({
      BTC: { free: 0.96, used: 0 },
      USDT: { free: 101998, used: 0 },
    });
  });

  it('market orders by quote amount, and a market sell', async () => {
    const maker = await trader('1', '100000');
    const taker = await trader('1', '10000');
    await maker.ex.call('createOrder', SYM, 'limit', 'sell', 0.5, 30000);
    await maker.ex.call('createOrder', SYM, 'limit', 'buy', 0.5, 29000);
    // quoteOrderQty: our budget includes the taker fee (ADR 0031), so 300 buys 0.00998 (299.4 + 0.5988 fee);
    // the remainder that cannot buy another lot expires
    const byCost = await taker.ex.call('createMarketBuyOrderWithCost', SYM, 300);
    expect(byCost).toMatchObject({ status: 'expired', filled: 0.00998, cost: 299.4, average: 30000 });
    const sell = await taker.ex.call('createOrder', SYM, 'market', 'sell', 0.02);
    expect(sell).toMatchObject({ status: 'closed', filled: 0.02, cost: 580, average: 29000 });
    await maker.ex.call('cancelAllOrders', SYM);
  });

  it('createOrder with { test: true } is /order/test: checked, refused as a place would be, never placed', async () => {
    const t = await trader('0', '1000');
    await t.ex.call('createOrder', SYM, 'limit', 'buy', 0.01, 40000, { test: true });
    const invalid = await t.ex.failure('createOrder', SYM, 'limit', 'buy', 0.000001, 40000, { test: true });
    expect(invalid.classes).toContain('InvalidOrder');
    await settled(h);
    expect(await t.ex.call('fetchOrders', SYM)).toEqual([]);
    expect(await t.ex.call('fetchBalance')).toMatchObject({ USDT: { free: 1000, used: 0 } });
  });
});

describe("ccxt's error mapping of our answers", () => {
  it('InsufficientFunds, OrderNotFound, InvalidOrder', async () => {
    const poor = await trader('0', '100');
    expect((await poor.ex.failure('createOrder', SYM, 'limit', 'buy', 1, 50000)).classes).toContain(
      'InsufficientFunds',
    );
    expect((await poor.ex.failure('fetchOrder', '987654321', SYM)).classes).toContain('OrderNotFound');
    expect((await poor.ex.failure('cancelOrder', '987654321', SYM)).classes).toContain('OrderNotFound');

    const maker = await trader('1', '100000');
    await maker.ex.call('createOrder', SYM, 'limit', 'sell', 0.01, 45000, { newClientOrderId: 'dup-1' });
    const dup = await maker.ex.failure('createOrder', SYM, 'limit', 'sell', 0.01, 45001, { newClientOrderId: 'dup-1' });
    expect(dup.classes).toContain('InvalidOrder');
    expect(dup.message).toContain('Duplicate order sent.');
    const cross = await maker.ex.failure('createOrder', SYM, 'limit', 'buy', 0.01, 45000, { postOnly: true });
    expect(cross.classes).toEqual(expect.arrayContaining(['OrderImmediatelyFillable', 'InvalidOrder']));
    await maker.ex.call('cancelAllOrders', SYM);
    // nothing open: Binance answers -2011, which ccxt calls OrderNotFound
    expect((await maker.ex.failure('cancelAllOrders', SYM)).classes).toContain('OrderNotFound');
  });

  it('AuthenticationError for a wrong secret and an unknown key', async () => {
    const t = await h.trader();
    const wrongSecret = new CcxtRemote({ apiKey: t.keyId, secret: 'not-the-secret', baseUrl: h.baseUrl });
    const unknownKey = new CcxtRemote({ apiKey: 'ak_000000000000000000000000', secret: t.secret, baseUrl: h.baseUrl });
    remotes.push(wrongSecret, unknownKey);
    const bad = await wrongSecret.failure('fetchBalance');
    expect(bad.classes).toContain('AuthenticationError');
    expect(bad.message).toContain('-1022');
    const unknown = await unknownKey.failure('fetchBalance');
    expect(unknown.classes).toContain('AuthenticationError');
    expect(unknown.message).toContain('-2015');
  });

  it('DDoSProtection when over the request weight (429 with Retry-After)', async () => {
    // A second gateway on the same system with a tiny budget: 30 weight per minute per key.
    const gw: Gateway = await startGateway(
      gatewayConfigSchema.parse({
        DATABASE_URL: h.db.url,
        DATABASE_SCHEMA: h.db.schema,
        REDIS_URL,
        PORT: '0',
        HOST: '127.0.0.1',
        GATEWAY_MASTER_KEY: h.masterKey,
        RATE_LIMIT_WINDOW_MS: '60000',
        RATE_LIMIT_KEY_WEIGHT: '30',
        RATE_LIMIT_IP_WEIGHT: '1000000',
        PROJECTION_ENABLED: 'false',
        LOG_LEVEL: 'silent',
      }),
      { log: createLogger('gateway-limited', 'silent'), accounts: () => accountsBackendFor(h.db.pool) },
    );
    try {
      const t = await h.trader();
      const ex = new CcxtRemote({ apiKey: t.keyId, secret: t.secret, baseUrl: `http://127.0.0.1:${gw.port}` });
      remotes.push(ex);
      await ex.call('fetchBalance'); // weight 20
      const limited = await ex.failure('fetchBalance'); // 40 > 30
      expect(limited.classes).toContain('DDoSProtection');
      expect(limited.message).toContain('429');
      const raw = await binanceFetch(`http://127.0.0.1:${gw.port}`, {
        path: '/account',
        sign: { apiKey: t.keyId, secret: t.secret },
      });
      expect(raw.status).toBe(429);
      expect(raw.body.code).toBe(-1003);
      expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(raw.headers.get('x-mbx-used-weight-1m'))).toBe(30); // the whole budget
    } finally {
      await gw.stop();
    }
  });
});
