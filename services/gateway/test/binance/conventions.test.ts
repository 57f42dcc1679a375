/**
 * Binance's conventions on /api/v3, with requests built by hand (what ccxt never sends): signing
 * over query + body, timestamp and recvWindow, parameters, error codes and messages, response
 * types, weights, and the public market data endpoints. Against the real pipeline.
 */
import { randomUUID } from 'node:crypto';
import { loadBookSnapshot } from '@exchange/market-data';
import { eventually, settled, startHarness, type Harness } from '../support/harness';
import { binanceFetch, type BinanceReply } from './support/binance-fetch';

let h: Harness;
let sym: string;
beforeAll(async () => {
  h = await startHarness();
  sym = h.market.symbol;
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

async function trader(btc = '10', usdt = '1000000', scopes: Array<'read' | 'trade'> = ['read', 'trade']) {
  const t = await h.trader(scopes);
  if (btc !== '0')
    await h.admin.deposit({ accountId: t.accountId, asset: 'BTC', amount: btc, reference: randomUUID() });
  if (usdt !== '0')
    await h.admin.deposit({ accountId: t.accountId, asset: 'USDT', amount: usdt, reference: randomUUID() });
  const sign = { apiKey: t.keyId, secret: t.secret };
  return {
    ...t,
    sign,
    post: (body: string, query = '') => binanceFetch(h.baseUrl, { method: 'POST', path: '/order', body, query, sign }),
    get: (path: string, query: string) => binanceFetch(h.baseUrl, { path, query, sign }),
    del: (path: string, query: string) => binanceFetch(h.baseUrl, { method: 'DELETE', path, query, sign }),
  };
}

const expectError = (r: BinanceReply, status: number, code: number, msg?: string) => {
  expect({ status: r.status, code: r.body.code }).toEqual({ status, code });
  if (msg) expect(r.body.msg).toBe(msg);
  expect(Object.keys(r.body).sort()).toEqual(['code', 'msg']);
};

describe('signing, timestamp and recvWindow', () => {
  it('accepts a signature over the query string followed by the body (parameters split between them)', async () => {
    const t = await trader();
    const query = `symbol=${sym}&side=SELL&type=LIMIT&timeInForce=GTC`;
    const body = `quantity=0.01&price=90000&recvWindow=5000&timestamp=${Date.now()}`;
    const r = await t.post(body, query);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ symbol: sym, status: 'NEW', price: '90000', origQty: '0.01', side: 'SELL' });
    expect(Number(r.headers.get('x-mbx-used-weight-1m'))).toBeGreaterThan(0);
  });

  it('refuses bad signatures, missing or stale timestamps and bad keys with Binance codes', async () => {
    const t = await trader();
    const q = `symbol=${sym}`;
    const wrong = await binanceFetch(h.baseUrl, { path: '/openOrders', query: q, sign: { ...t.sign, secret: 'nope' } });
    expectError(wrong, 400, -1022, 'Signature for this request is not valid.');
    const noTs = await binanceFetch(h.baseUrl, {
      path: '/openOrders',
      query: `${q}&signature=${'0'.repeat(64)}`,
      headers: { 'x-mbx-apikey': t.keyId },
    });
    expectError(noTs, 400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
    const ahead = await binanceFetch(h.baseUrl, {
      path: '/openOrders',
      query: q,
      sign: { ...t.sign, timestamp: Date.now() + 1500 },
    });
    expectError(ahead, 400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.");
    const old = await binanceFetch(h.baseUrl, {
      path: '/openOrders',
      query: q,
      sign: { ...t.sign, timestamp: Date.now() - 6000 },
    });
    expectError(old, 400, -1021, 'Timestamp for this request is outside of the recvWindow.');
    const wide = await binanceFetch(h.baseUrl, {
      path: '/openOrders',
      query: `${q}&recvWindow=10000&timestamp=${Date.now() - 6000}`,
      sign: t.sign,
    });
    expect(wide.status).toBe(200);
    const tooWide = await binanceFetch(h.baseUrl, {
      path: '/openOrders',
      query: `${q}&recvWindow=60001`,
      sign: t.sign,
    });
    expectError(tooWide, 400, -1131, 'recvWindow must be less than 60000');
    const noKey = await binanceFetch(h.baseUrl, { path: '/openOrders', query: q, sign: { secret: t.secret } });
    expectError(noKey, 401, -2014, 'API-key format invalid.');
    const unknownKey = await binanceFetch(h.baseUrl, {
      path: '/openOrders',
      query: q,
      sign: { ...t.sign, apiKey: 'ak_0000000000000000' },
    });
    expectError(unknownKey, 401, -2015, 'Invalid API-key, IP, or permissions for action.');
    const readOnly = await trader('1', '0', ['read']);
    const r = await readOnly.post(`symbol=${sym}&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=90000`);
    expectError(r, 401, -2015);
    expect((await readOnly.get('/account', '')).status).toBe(200);
  });

  it('places a captured order request once: a byte-identical replay inside the window is -2010', async () => {
    const t = await trader();
    const query = `symbol=${sym}&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=91000&timestamp=${Date.now()}`;
    const once = { apiKey: t.keyId, secret: t.secret };
    const first = await binanceFetch(h.baseUrl, { method: 'POST', path: '/order', query, sign: once });
    expect(first.status).toBe(200);
    const replay = await binanceFetch(h.baseUrl, { method: 'POST', path: '/order', query, sign: once });
    expectError(replay, 400, -2010, 'Duplicate order sent.');
    await settled(h);
    const open = await t.get('/openOrders', `symbol=${sym}`);
    expect(open.body.map((o: { price: string }) => o.price)).toEqual(['91000']);
    // reads are not guarded: the same signed GET twice answers twice
    const read = `symbol=${sym}&timestamp=${Date.now()}`;
    for (let i = 0; i < 2; i++) {
      expect((await binanceFetch(h.baseUrl, { path: '/openOrders', query: read, sign: once })).status).toBe(200);
    }
  });
});

describe('parameters and order errors', () => {
  it('an ACKed place the engine then refuses reads back REJECTED with its own side and type', async () => {
    const t = await trader('0.001', '0'); // selling 1 BTC is refused at the lock stage, after the ACK
    const cid = `rejected-${randomUUID().slice(0, 8)}`;
    const ack = await t.post(
      `symbol=${sym}&side=SELL&type=LIMIT&timeInForce=IOC&quantity=1&price=90000&newOrderRespType=ACK&newClientOrderId=${cid}`,
    );
    expect(ack.status).toBe(200);
    const order = await eventually(async () => {
      const r = await t.get('/order', `symbol=${sym}&origClientOrderId=${cid}`);
      return r.body.status === 'REJECTED' && r.body;
    });
    expect(order).toMatchObject({ clientOrderId: cid, side: 'SELL', type: 'LIMIT', timeInForce: 'IOC' });
    // Binance's allOrders lists no rejected order
    const all = await t.get('/allOrders', `symbol=${sym}`);
    expect(all.body.map((o: { clientOrderId: string }) => o.clientOrderId)).not.toContain(cid);
  });

  it('maps refusals to Binance codes and messages; nothing is rounded', async () => {
    const t = await trader('1', '1000');
    const limit = (extra: string) => t.post(`symbol=${sym}&side=BUY&type=LIMIT&timeInForce=GTC&${extra}`);
    expectError(
      await limit('quantity=0.123456&price=100'),
      400,
      -1111,
      'Precision is over the maximum defined for this asset.',
    );
    expectError(await limit('quantity=0.1&price=100.001'), 400, -1111);
    expectError(await limit('quantity=0.00001&price=100'), 400, -1013, 'Filter failure: NOTIONAL');
    expectError(
      await limit('quantity=1&price=50000'),
      400,
      -2010,
      'Account has insufficient balance for requested action.',
    );
    expectError(
      await limit('quantity=0.1'),
      400,
      -1102,
      "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
    );
    expectError(await limit('quantity=0.1&price=1e2'), 400, -1100);
    expectError(await limit('quantity=0.1&price=100&foo=1'), 400, -1104);
    expectError(await t.post(`symbol=${sym}&symbol=${sym}&side=BUY&type=MARKET&quantity=0.1`), 400, -1101);
    expectError(await t.post(`symbol=${sym}&side=BUY&type=MARKET&quantity=0.1&price=100`), 400, -1106);
    expectError(await t.post(`symbol=${sym}&side=BUY&type=STOP_LOSS&quantity=0.1`), 400, -1116, 'Invalid orderType.');
    expectError(await t.post(`symbol=NOSUCH&side=BUY&type=MARKET&quantity=0.1`), 400, -1121, 'Invalid symbol.');
    expectError(await limit(`quantity=0.01&price=100&newClientOrderId=${'a'.repeat(37)}`), 400, -1100);
    expectError(await limit(`quantity=0.01&price=100&newClientOrderId=bad*id`), 400, -1100);

    const id = 'Az09._:/-'.padEnd(36, 'x');
    const ok = await limit(`quantity=0.01&price=100&newClientOrderId=${encodeURIComponent(id)}`);
    expect(ok.body).toMatchObject({ clientOrderId: id, status: 'NEW' });
    expectError(
      await limit(`quantity=0.01&price=100&newClientOrderId=${encodeURIComponent(id)}`),
      400,
      -2010,
      'Duplicate order sent.',
    );
    const byClientId = await t.get('/order', `symbol=${sym}&origClientOrderId=${encodeURIComponent(id)}`);
    expect(byClientId.body).toMatchObject({
      orderId: ok.body.orderId,
      clientOrderId: id,
      status: 'NEW',
      price: '100',
      origQty: '0.01',
    });

    expectError(await t.get('/order', `symbol=${sym}&orderId=99999999`), 400, -2013, 'Order does not exist.');
    expectError(
      await t.get('/order', `symbol=${sym}`),
      400,
      -1102,
      "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!",
    );
    expectError(await t.del('/order', `symbol=${sym}&orderId=99999999`), 400, -2011, 'Unknown order sent.');
    const canceled = await t.del(
      '/order',
      `symbol=${sym}&origClientOrderId=${encodeURIComponent(id)}&newClientOrderId=cxl-1`,
    );
    expect(canceled.body).toMatchObject({
      orderId: ok.body.orderId,
      status: 'CANCELED',
      origClientOrderId: id,
      clientOrderId: 'cxl-1',
    });
    expectError(await t.del('/order', `symbol=${sym}&orderId=${ok.body.orderId}`), 400, -2011);
    expectError(await t.del('/openOrders', `symbol=${sym}`), 400, -2011);
  });

  it('order/test checks an order as a place does and sends nothing on', async () => {
    const t = await trader('1', '1000');
    const test = (extra: string) =>
      binanceFetch(h.baseUrl, {
        method: 'POST',
        path: '/order/test',
        query: `symbol=${sym}&side=BUY&type=LIMIT&timeInForce=GTC&${extra}`,
        sign: t.sign,
      });
    const ok = await test('quantity=0.01&price=100');
    expect({ status: ok.status, body: ok.body }).toEqual({ status: 200, body: {} });
    // the refusals of a place, with its codes
    expectError(await test('quantity=0.123456&price=100'), 400, -1111);
    expectError(await test('quantity=0.00001&price=100'), 400, -1013, 'Filter failure: NOTIONAL');
    expectError(await test('quantity=0.1'), 400, -1102);
    expectError(await test('quantity=0.1&price=100&foo=1'), 400, -1104);
    expectError(await test('quantity=0.01&price=100&computeCommissionRates=yes'), 400, -1130);
    // what it does not look at: balances (1 BTC at 50000 is more than this account has)
    expect((await test('quantity=1&price=50000')).status).toBe(200);
    const rates = await test('quantity=0.01&price=100&computeCommissionRates=true');
    expect(rates.body).toEqual({
      // the harness market's fees: 10 and 20 basis points
      standardCommissionForOrder: { maker: '0.001', taker: '0.002' },
      taxCommissionForOrder: { maker: '0', taker: '0' },
      discount: { enabledForAccount: false, enabledForSymbol: false, discountAsset: '', discount: '0' },
    });
    const readOnly = await trader('0', '0', ['read']);
    expectError(
      await binanceFetch(h.baseUrl, {
        method: 'POST',
        path: '/order/test',
        query: `symbol=${sym}&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=100`,
        sign: readOnly.sign,
      }),
      401,
      -2015,
    );
    // nothing reached the engine: no command, no order, no lock
    const commands = async () =>
      (
        await h.db.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM engine_commands WHERE command->>'accountId' = $1",
          [String(t.accountId)],
        )
      ).rows[0]!.n;
    await settled(h);
    expect(await commands()).toBe(0);
    expect((await t.get('/allOrders', `symbol=${sym}`)).body).toEqual([]);
    expect((await t.get('/account', '')).body.balances).toEqual(
      expect.arrayContaining([{ asset: 'USDT', free: '1000', locked: '0' }]),
    );
    // while the same order placed is archived
    expect((await t.post(`symbol=${sym}&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=100`)).status).toBe(
      200,
    );
    await settled(h);
    expect(await commands()).toBe(1);
    await t.del('/openOrders', `symbol=${sym}`);
  });

  it('order/test accepts a market order on an empty book, which a place refuses for want of liquidity', async () => {
    // A market buy sized in base needs a bound from the book before it is sent (ADR 0031); a test sends nothing.
    const empty = await h.admin.createMarket({
      symbol: 'EMPTYUSDT',
      base: 'BTC',
      quote: 'USDT',
      tickSize: '0.01',
      lotSize: '0.001',
      minQty: '0.001',
    });
    const t = await trader('1', '1000');
    const order = `symbol=${empty.symbol}&side=BUY&type=MARKET&quantity=0.01`;
    const placed = await t.post(order);
    expectError(placed, 400, -2010, 'Order book liquidity is less than LOT_SIZE filter minimum quantity.');
    const tested = await binanceFetch(h.baseUrl, { method: 'POST', path: '/order/test', query: order, sign: t.sign });
    expect({ status: tested.status, body: tested.body }).toEqual({ status: 200, body: {} });
    // its parameters are still checked
    expectError(
      await binanceFetch(h.baseUrl, {
        method: 'POST',
        path: '/order/test',
        query: `${order}&price=100`,
        sign: t.sign,
      }),
      400,
      -1106,
    );
  });

  it("allOrders lists the account's orders in a market oldest first: the newest, from an id or a time", async () => {
    const t = await trader('1', '1000');
    const ids: number[] = [];
    for (const price of ['100', '101', '102']) {
      const r = await t.post(`symbol=${sym}&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=${price}`);
      ids.push(r.body.orderId);
    }
    await t.del('/order', `symbol=${sym}&orderId=${ids[1]}`);
    const all = await t.get('/allOrders', `symbol=${sym}`);
    expect(
      all.body.map((o: { orderId: number; status: string; price: string }) => [o.orderId, o.status, o.price]),
    ).toEqual([
      [ids[0], 'NEW', '100'],
      [ids[1], 'CANCELED', '101'],
      [ids[2], 'NEW', '102'],
    ]);
    // each in GET /order's shape
    expect(all.body[0]).toEqual((await t.get('/order', `symbol=${sym}&orderId=${ids[0]}`)).body);
    const orderIds = async (query: string) =>
      (await t.get('/allOrders', `symbol=${sym}&${query}`)).body.map((o: { orderId: number }) => o.orderId);
    expect(await orderIds('limit=2')).toEqual([ids[1], ids[2]]);
    expect(await orderIds(`orderId=${ids[1]}`)).toEqual([ids[1], ids[2]]);
    expect(await orderIds(`orderId=${ids[0]}&limit=1`)).toEqual([ids[0]]);
    expect(await orderIds(`startTime=${all.body[0].time}&limit=1`)).toEqual([ids[0]]);
    expect(await orderIds(`startTime=${Date.now() + 60_000}`)).toEqual([]);
    expect(await orderIds(`endTime=${all.body[0].time - 1}`)).toEqual([]);
    // a place the book refused after an ACK is found by its id, but was never an order on the book
    const refused = await t.post(
      `symbol=${sym}&side=SELL&type=LIMIT_MAKER&quantity=0.01&price=100&newOrderRespType=ACK`,
    );
    const rejected = await eventually(async () => {
      const r = await t.get('/order', `symbol=${sym}&orderId=${refused.body.orderId}`);
      return r.status === 200 && r.body;
    });
    expect(rejected).toMatchObject({ orderId: refused.body.orderId, status: 'REJECTED' });
    expect(await orderIds(`orderId=${ids[0]}`)).toEqual(ids);
    // another account sees none of them
    const other = await trader('0', '0');
    expect((await other.get('/allOrders', `symbol=${sym}`)).body).toEqual([]);
    expectError(await t.get('/allOrders', ''), 400, -1102);
    expectError(await t.get('/allOrders', `symbol=${sym}&limit=1001`), 400, -1130);
    expectError(await t.get('/allOrders', 'symbol=NOSUCH'), 400, -1121, 'Invalid symbol.');
    await t.del('/openOrders', `symbol=${sym}`);
  });

  it('answers newOrderRespType ACK, RESULT and FULL in their shapes, decimals as strings', async () => {
    const maker = await trader();
    const taker = await trader();
    const ack = await maker.post(
      `symbol=${sym}&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.02&price=70000&newOrderRespType=ACK`,
    );
    expect(Object.keys(ack.body).sort()).toEqual(['clientOrderId', 'orderId', 'orderListId', 'symbol', 'transactTime']);
    await maker.post(`symbol=${sym}&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.03&price=70000`);
    const result = await maker.post(
      `symbol=${sym}&side=SELL&type=LIMIT_MAKER&quantity=0.01&price=70001&newOrderRespType=RESULT`,
    );
    expect(result.body).toMatchObject({ type: 'LIMIT_MAKER', status: 'NEW', timeInForce: 'GTC' });
    expect(result.body.fills).toBeUndefined();
    // takes both 70000 makers: one aggregate trade of one taker order at one price
    const full = await taker.post(
      `symbol=${sym}&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.05&price=70000&newOrderRespType=FULL`,
    );
    expect(full.body).toMatchObject({
      status: 'FILLED',
      executedQty: '0.05',
      cummulativeQuoteQty: '3500',
      timeInForce: 'IOC',
      fills: [
        { price: '70000', qty: '0.02', commission: '2.8', commissionAsset: 'USDT' },
        { price: '70000', qty: '0.03', commission: '4.2', commissionAsset: 'USDT' },
      ],
    });
    const [first, second] = full.body.fills.map((f: { tradeId: number }) => f.tradeId);
    expectError(
      await taker.post(`symbol=${sym}&side=BUY&type=LIMIT_MAKER&quantity=0.01&price=70001`),
      400,
      -2010,
      'Order would immediately match and take.',
    );
    await settled(h);
    const agg = await binanceFetch(h.baseUrl, { path: '/aggTrades', query: `symbol=${sym}&limit=10` });
    expect(agg.body).toEqual([
      { a: first, p: '70000', q: '0.05', f: first, l: second, T: expect.any(Number), m: false, M: true },
    ]);
    const trades = await binanceFetch(h.baseUrl, { path: '/trades', query: `symbol=${sym}` });
    expect(trades.body).toEqual([
      {
        id: first,
        price: '70000',
        qty: '0.02',
        quoteQty: '1400',
        time: expect.any(Number),
        isBuyerMaker: false,
        isBestMatch: true,
      },
      {
        id: second,
        price: '70000',
        qty: '0.03',
        quoteQty: '2100',
        time: expect.any(Number),
        isBuyerMaker: false,
        isBestMatch: true,
      },
    ]);
    const klines = await binanceFetch(h.baseUrl, { path: '/klines', query: `symbol=${sym}&interval=1h` });
    expect(klines.body).toEqual([
      [
        expect.any(Number),
        '70000',
        '70000',
        '70000',
        '70000',
        '0.05',
        expect.any(Number),
        '3500',
        2,
        '0.05',
        '3500',
        '0',
      ],
    ]);
    expectError(await binanceFetch(h.baseUrl, { path: '/klines', query: `symbol=${sym}&interval=1M` }), 400, -1120);
    const mine = await taker.get('/myTrades', `symbol=${sym}`);
    expect(
      mine.body.map((t: { id: number; isMaker: boolean; isBuyer: boolean }) => [t.id, t.isBuyer, t.isMaker]),
    ).toEqual([
      [first, true, false],
      [second, true, false],
    ]);
    await maker.del('/openOrders', `symbol=${sym}`);
  });
});

describe('public market data', () => {
  it('exchangeInfo filters, depth read atomically with lastUpdateId, ticker/24hr, ping, time', async () => {
    expect((await binanceFetch(h.baseUrl, { path: '/ping' })).body).toEqual({});
    expect(Math.abs((await binanceFetch(h.baseUrl, { path: '/time' })).body.serverTime - Date.now())).toBeLessThan(
      5000,
    );
    const info = await binanceFetch(h.baseUrl, { path: '/exchangeInfo', query: `symbol=${sym}` });
    expect(info.headers.get('x-mbx-used-weight-1m')).not.toBeNull();
    expect(info.body.symbols[0]).toMatchObject({
      symbol: sym,
      status: 'TRADING',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
    });
    const filters = Object.fromEntries(
      info.body.symbols[0].filters.map((f: { filterType: string }) => [f.filterType, f]),
    );
    expect(filters.PRICE_FILTER).toMatchObject({ minPrice: '0.01', tickSize: '0.01' });
    expect(filters.LOT_SIZE).toMatchObject({ minQty: '0.00001', stepSize: '0.00001' });
    expect(filters.NOTIONAL).toMatchObject({ minNotional: '1', applyMinToMarket: true });
    expectError(await binanceFetch(h.baseUrl, { path: '/exchangeInfo', query: 'symbol=NOSUCH' }), 400, -1121);

    const t = await trader();
    await t.post(`symbol=${sym}&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=65000.5`);
    await t.post(`symbol=${sym}&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.2&price=65000.5`);
    await t.post(`symbol=${sym}&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.3&price=66000`);
    await settled(h);
    const top = await binanceFetch(h.baseUrl, { path: '/depth', query: `symbol=${sym}&limit=1` });
    expect(top.body).toEqual({
      lastUpdateId: expect.any(Number),
      bids: [['65000.5', '0.3']],
      asks: [['66000', '0.3']],
    });
    const depth = await binanceFetch(h.baseUrl, { path: '/depth', query: `symbol=${sym}` });
    const archived = await loadBookSnapshot(h.db.pool, (await h.gateway.services.markets.get(sym))!.units);
    expect(depth.body).toEqual({ lastUpdateId: archived.lastUpdateId, bids: archived.bids, asks: archived.asks });
    const ticker = await binanceFetch(h.baseUrl, { path: '/ticker/24hr', query: `symbol=${sym}` });
    expect(ticker.body).toMatchObject({
      symbol: sym,
      bidPrice: '65000.5',
      bidQty: '0.3',
      askPrice: '66000',
      askQty: '0.3',
    });
    const all = await binanceFetch(h.baseUrl, { path: '/ticker/24hr' });
    const markets = (await h.admin.markets()).map((m) => m.symbol);
    expect(all.body.map((x: { symbol: string }) => x.symbol).sort()).toEqual(markets.sort());
    expect(markets).toContain(sym);
    expectError(await binanceFetch(h.baseUrl, { path: '/nosuch' }), 404, -1020);
    await t.del('/openOrders', `symbol=${sym}`);
  });

  it('ticker/price and ticker/bookTicker: one symbol, a list, all markets; bad symbols refused', async () => {
    const maker = await trader();
    await maker.post(`symbol=${sym}&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.25&price=70001.5`);
    await settled(h);
    const ask = (await binanceFetch(h.baseUrl, { path: '/depth', query: `symbol=${sym}&limit=1` })).body.asks[0][0];
    const taker = await trader();
    const fill = await taker.post(`symbol=${sym}&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.001&price=${ask}`);
    expect(fill.body).toMatchObject({ status: 'FILLED', executedQty: '0.001' });
    await settled(h);

    const price = await binanceFetch(h.baseUrl, { path: '/ticker/price', query: `symbol=${sym}` });
    expect(price.body).toEqual({ symbol: sym, price: ask });
    const list = await binanceFetch(h.baseUrl, {
      path: '/ticker/price',
      query: `symbols=${encodeURIComponent(`["${sym}"]`)}`,
    });
    expect(list.body).toEqual([{ symbol: sym, price: ask }]);
    expect((await binanceFetch(h.baseUrl, { path: '/ticker/price' })).body).toContainEqual({ symbol: sym, price: ask });

    const top = (await binanceFetch(h.baseUrl, { path: '/depth', query: `symbol=${sym}&limit=1` })).body;
    const expected = {
      symbol: sym,
      bidPrice: top.bids[0]?.[0] ?? '0',
      bidQty: top.bids[0]?.[1] ?? '0',
      askPrice: top.asks[0][0],
      askQty: top.asks[0][1],
    };
    const book = await binanceFetch(h.baseUrl, { path: '/ticker/bookTicker', query: `symbol=${sym}` });
    expect(book.body).toEqual(expected);
    expect((await binanceFetch(h.baseUrl, { path: '/ticker/bookTicker' })).body).toContainEqual(expected);

    for (const path of ['/ticker/price', '/ticker/bookTicker']) {
      expectError(await binanceFetch(h.baseUrl, { path, query: 'symbol=NOSUCH' }), 400, -1121);
      const both = `symbol=${sym}&symbols=${encodeURIComponent(`["${sym}"]`)}`;
      expectError(await binanceFetch(h.baseUrl, { path, query: both }), 400, -1128);
    }
    await maker.del('/openOrders', `symbol=${sym}`);
  });
});
