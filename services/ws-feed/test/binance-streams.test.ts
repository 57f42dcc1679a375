/**
 * Binance-style streams of a real ws-feed node in front of the real pipeline (gateway, balance
 * manager and engine in-process; Postgres; Redis): a local order book kept with Binance's
 * documented procedure equals the engine's book across thousands of random orders, and the trade,
 * kline, ticker and bookTicker streams, live SUBSCRIBE / UNSUBSCRIBE and the combined framing behave as
 * Binance's.
 */
import { randomUUID } from 'node:crypto';
import { loadBookSnapshot } from '@exchange/market-data';
import WebSocket from 'ws';
import { loadWsFeedConfig, startWsFeed, type WsFeed } from '../src';
import { REDIS_URL, settled, startHarness, type Harness } from '../../gateway/test/support/harness';
import { binanceFetch, type Json } from '../../gateway/test/binance/support/binance-fetch';
import { CcxtRemote } from '../../gateway/test/binance/support/ccxt-remote';
import { mulberry32 } from '../../../packages/market-data/test/support/workload';

let h: Harness;
let feed: WsFeed;
const sockets: WebSocket[] = [];
const remotes: CcxtRemote[] = [];

beforeAll(async () => {
  h = await startHarness();
  feed = await startWsFeed(
    loadWsFeedConfig({
      DATABASE_URL: h.db.url,
      DATABASE_SCHEMA: h.db.schema,
      REDIS_URL,
      LOG_LEVEL: 'silent',
      WS_PORT: '0',
      WS_HOST: '127.0.0.1',
      OPS_PORT: '0',
      GATEWAY_MASTER_KEY: h.masterKey,
      PING_INTERVAL_MS: '200',
      INBOUND_RATE_PER_SEC: '100',
    }),
    { ops: false },
  );
}, 60_000);
afterAll(async () => {
  for (const r of remotes) r.close();
  for (const s of sockets) s.terminate();
  await feed?.close();
  await h?.stop();
});

/** A raw Binance-style client that records every frame. */
async function connect(path: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${feed.port}${path}`);
  sockets.push(ws);
  const frames: Json[] = [];
  let pings = 0;
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  ws.on('ping', () => pings++);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const until = async <T>(pred: () => T | undefined | null | false, what: string, ms = 10_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { ws, frames, pings: () => pings, until, send: (o: unknown) => ws.send(JSON.stringify(o)) };
}

async function trader() {
  const t = await h.trader();
  for (const [asset, amount] of [
    ['BTC', '1000'],
    ['USDT', '100000000'],
  ]) {
    await h.admin.deposit({ accountId: t.accountId, asset: asset!, amount: amount!, reference: randomUUID() });
  }
  const call = (method: string, path: string, params: string) =>
    binanceFetch(h.baseUrl, {
      method,
      path,
      body: method === 'POST' ? params : undefined,
      query: method === 'POST' ? undefined : params,
      sign: { apiKey: t.keyId, secret: t.secret },
    });
  return { ...t, call };
}

/**
 * Takes `levels` of one side whole with one IOC order at the last level's price. It asks for at
 * least 1 BTC, so it passes the notional filter however little the levels hold; the rest expires.
 */
async function take(t: Awaited<ReturnType<typeof trader>>, side: 'BUY' | 'SELL', levels: string[][]): Promise<void> {
  if (!levels.length) return;
  const symbol = h.market.symbol;
  const units = (await h.gateway.services.markets.get(symbol))!.units;
  const lots = (q: string) => (units.parseQty(q) as { value: number }).value;
  const total = levels.reduce((sum, [, q]) => sum + lots(q!), 0);
  const q = `quantity=${units.formatQty(Math.max(total, lots('1')))}&price=${levels.at(-1)![0]}`;
  const r = await t.call('POST', '/order', `symbol=${symbol}&side=${side}&type=LIMIT&timeInForce=IOC&${q}`);
  expect(r.body).toMatchObject({ executedQty: units.formatQty(total) });
}

type Level = [string, string];
const apply = (side: Map<string, string>, levels: Level[]) => {
  for (const [p, q] of levels)
    if (Number(q) === 0) side.delete(p);
    else side.set(p, q);
};
const sorted = (side: Map<string, string>, desc: boolean): Level[] =>
  [...side].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));

describe('Binance trade, kline, ticker and bookTicker streams; live SUBSCRIBE and UNSUBSCRIBE; combined framing', () => {
  it('delivers Binance events to raw and combined connections and follows subscriptions', async () => {
    const symbol = h.market.symbol;
    const lower = symbol.toLowerCase();
    const [maker, taker] = await Promise.all([trader(), trader()]);
    // a path name that is no stream (ccxt.pro's connection index) is skipped without an answer
    const raw = await connect('/ws/0');
    raw.send({
      method: 'SUBSCRIBE',
      params: [`${lower}@trade`, `${lower}@kline_1m`, `${lower}@ticker`, `${lower}@bookTicker`],
      id: 1,
    });
    await raw.until(() => raw.frames.find((f) => f.id === 1), 'subscribe reply');
    expect(raw.frames).toEqual([{ result: null, id: 1 }]);
    raw.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    raw.send({ method: 'SUBSCRIBE', params: ['nosuchmarket@trade'], id: 3 });
    raw.send({ method: 'SUBSCRIBE', params: [`${lower}@aggTrade`], id: 4 });
    await raw.until(() => raw.frames.find((f) => f.id === 4), 'error replies');
    expect(raw.frames.find((f) => f.id === 2)).toEqual({
      result: [`${lower}@trade`, `${lower}@kline_1m`, `${lower}@ticker`, `${lower}@bookTicker`],
      id: 2,
    });
    expect(raw.frames.find((f) => f.id === 3)).toMatchObject({ error: { code: 2 }, id: 3 });
    expect(raw.frames.find((f) => f.id === 4)).toMatchObject({ error: { code: 2 }, id: 4 });
    const combined = await connect(`/stream?streams=${lower}@trade/${lower}@depth@100ms`);

    const place = (t: typeof maker, params: string) => t.call('POST', '/order', `symbol=${symbol}&${params}`);
    expect((await place(maker, 'side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.05&price=100')).status).toBe(200);
    const buy = await place(taker, 'side=BUY&type=MARKET&quantity=0.02');
    expect(buy.body).toMatchObject({ status: 'FILLED', executedQty: '0.02', cummulativeQuoteQty: '2' });
    const tradeId = buy.body.fills[0].tradeId;

    const trade = await raw.until(() => raw.frames.find((f) => f.e === 'trade'), 'trade event');
    expect(trade).toEqual({
      e: 'trade',
      E: expect.any(Number),
      s: symbol,
      t: tradeId,
      p: '100',
      q: '0.02',
      T: expect.any(Number),
      m: false,
      M: true,
    });
    const kline = await raw.until(() => raw.frames.find((f) => f.e === 'kline'), 'kline event');
    expect(kline).toMatchObject({
      s: symbol,
      k: { s: symbol, i: '1m', o: '100', h: '100', l: '100', c: '100', v: '0.02', q: '2', n: 1, x: false },
    });
    expect(kline.k.t % 60_000).toBe(0);
    expect(kline.k.T).toBe(kline.k.t + 59_999);
    const ticker = await raw.until(() => raw.frames.find((f) => f.e === '24hrTicker'), 'ticker event', 5000);
    expect(ticker).toMatchObject({
      s: symbol,
      c: '100',
      Q: '0.02',
      o: '100',
      h: '100',
      l: '100',
      v: '0.02',
      q: '2',
      n: 1,
      p: '0',
      P: '0.000',
      a: '100',
      A: '0.03',
    });

    expect(
      await combined.until(() => combined.frames.find((f) => f.stream === `${lower}@trade`), 'combined trade'),
    ).toEqual({
      stream: `${lower}@trade`,
      data: { ...trade, E: expect.any(Number) },
    });
    // the ask as placed (0.05) then as traded (0.03), or both within one 100 ms diff
    const depth = await combined.until(
      () => combined.frames.find((f) => f.stream === `${lower}@depth@100ms` && f.data.a[0]?.[1] === '0.03'),
      'combined depth',
    );
    expect(depth.data).toMatchObject({ e: 'depthUpdate', s: symbol, a: [['100', '0.03']], b: [] });
    // bookTicker: the best levels each time they change ('0' on an empty side), u = the book's seq
    const bookTickers = () => raw.frames.filter((f) => f.e === undefined && f.u !== undefined);
    await raw.until(() => bookTickers().some((f) => f.A === '0.03'), 'bookTicker after the trade');
    expect(bookTickers()).toEqual([
      { u: expect.any(Number), s: symbol, b: '0', B: '0', a: '100', A: '0.05' },
      { u: depth.data.u, s: symbol, b: '0', B: '0', a: '100', A: '0.03' },
    ]);
    expect(bookTickers()[0]!.u).toBeLessThan(depth.data.u);

    raw.send({ method: 'UNSUBSCRIBE', params: [`${lower}@trade`], id: 5 });
    await raw.until(() => raw.frames.find((f) => f.id === 5), 'unsubscribe reply');
    expect(raw.frames.find((f) => f.id === 5)).toEqual({ result: null, id: 5 });
    await place(taker, 'side=BUY&type=MARKET&quantity=0.01');
    await combined.until(
      () => combined.frames.filter((f) => f.stream === `${lower}@trade`).length === 2,
      'second trade',
    );
    await raw.until(() => raw.frames.filter((f) => f.e === 'kline').length === 2, 'second kline');
    expect(raw.frames.filter((f) => f.e === 'trade')).toHaveLength(1);
    // the heartbeat pings Binance connections too (PING_INTERVAL_MS: 200 here, 20 s by default)
    expect(raw.pings()).toBeGreaterThan(0);
    await maker.call('DELETE', '/openOrders', `symbol=${symbol}`);
    await raw.until(() => bookTickers().some((f) => f.a === '0'), 'bookTicker of an empty book');
    expect(bookTickers().map((f) => f.A)).toEqual(['0.05', '0.03', '0.02', '0']);
  }, 60_000);
});

describe('Binance diff depth stream', () => {
  it("a local book kept by Binance's procedure equals the engine's book across thousands of random orders", async () => {
    const symbol = h.market.symbol;
    const lower = symbol.toLowerCase();
    const traders = await Promise.all([trader(), trader(), trader(), trader()]);
    const client = await connect(`/ws/${lower}@depth@100ms`);
    // the node starts the market on the first subscription: wait until it follows the channel
    const marketFeed = await feed.markets.get(symbol);
    await client.until(() => marketFeed?.live, 'market live');

    const rand = mulberry32(7);
    const open: Array<{ t: (typeof traders)[number]; id: number }> = [];
    let sent = 0;
    const ORDERS = 2000;
    const order = async (i: number) => {
      const t = traders[i % traders.length]!;
      const r = rand();
      if (r < 0.25 && open.length) {
        const [o] = open.splice(Math.floor(rand() * open.length), 1);
        await o!.t.call('DELETE', '/order', `symbol=${symbol}&orderId=${o!.id}`);
        return;
      }
      const side = rand() < 0.5 ? 'BUY' : 'SELL';
      const qty = (20 + Math.floor(rand() * 100)) / 1000;
      if (r < 0.35) {
        await t.call(
          'POST',
          '/order',
          `symbol=${symbol}&side=${side}&type=MARKET&quantity=${qty}&newOrderRespType=ACK`,
        );
        return;
      }
      // prices around 100 with a spread that crosses often enough to trade
      const price = (100 + (side === 'BUY' ? -1 : 1) * (Math.floor(rand() * 40) - 8) * 0.05).toFixed(2);
      const res = await t.call(
        'POST',
        '/order',
        `symbol=${symbol}&side=${side}&type=LIMIT&timeInForce=GTC&quantity=${qty}&price=${price}&newOrderRespType=ACK`,
      );
      if (res.status === 200) open.push({ t, id: res.body.orderId });
    };
    const worker = async (w: number) => {
      for (let i = w; i < ORDERS; i += 4) {
        await order(i);
        sent++;
      }
    };
    const workers = [0, 1, 2, 3].map(worker);

    // Binance's procedure: buffer diffs, fetch the snapshot, drop u <= lastUpdateId, then U = prev u + 1.
    await client.until(() => sent > ORDERS / 5 && client.frames.length > 5, 'orders flowing', 90_000);
    const bids = new Map<string, string>();
    const asks = new Map<string, string>();
    let last = 0;
    let snapshotAt = 0;
    for (let attempt = 0; ; attempt++) {
      const snap = await binanceFetch(h.baseUrl, { path: '/depth', query: `symbol=${symbol}&limit=5000` });
      expect(snap.status).toBe(200);
      const firstBuffered = client.frames[0];
      // the snapshot must not be older than the first buffered diff; otherwise fetch again
      if (firstBuffered && snap.body.lastUpdateId + 1 < firstBuffered.U) {
        if (attempt > 50) throw new Error('snapshot never caught up with the stream');
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      apply(bids, snap.body.bids);
      apply(asks, snap.body.asks);
      last = snap.body.lastUpdateId;
      snapshotAt = sent;
      break;
    }
    let applied = 0;
    let dropped = 0;
    let first = true;
    let next = 0;
    const drain = () => {
      for (; next < client.frames.length; next++) {
        const d = client.frames[next];
        expect(d).toMatchObject({ e: 'depthUpdate', s: symbol });
        if (d.u <= last) {
          dropped++;
          continue;
        }
        if (first) {
          expect(d.U).toBeLessThanOrEqual(last + 1);
          first = false;
        } else {
          expect(d.U).toBe(last + 1);
        }
        expect(d.pu).toBe(d.U - 1);
        apply(bids, d.b);
        apply(asks, d.a);
        last = d.u;
        applied++;
      }
    };
    while (sent < ORDERS) {
      drain();
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(workers);
    // ACKs return once enqueued; commands run in order, so one answered order means all ran before it
    const final = await traders[0]!.call(
      'POST',
      '/order',
      `symbol=${symbol}&side=BUY&type=LIMIT&timeInForce=GTC&quantity=2&price=1&newOrderRespType=RESULT`,
    );
    expect(final.body).toMatchObject({ status: 'NEW' });
    await settled(h);
    const units = (await h.gateway.services.markets.get(symbol))!.units;
    const archived = await loadBookSnapshot(h.db.pool, units);
    const levelSeq = Number(
      (await h.db.pool.query(`SELECT max(seq) AS s FROM events WHERE market = $1 AND type = 'level'`, [symbol])).rows[0]
        .s,
    );
    await client
      .until(
        () => {
          drain();
          return last >= levelSeq;
        },
        'the stream to reach the archive',
        60_000,
      )
      .catch(async (e: Error) => {
        const node = await feed.markets.get(symbol);
        const lastU = client.frames.at(-1)?.u;
        throw new Error(`${e.message}: applied to ${last}, archive ${levelSeq}, last u ${lastU}, node ${node?.seq}`);
      });
    expect(last).toBe(levelSeq);
    expect(sorted(bids, true)).toEqual(archived.bids);
    expect(sorted(asks, false)).toEqual(archived.asks);
    // and the archive's book is the engine's own, in memory, at the same seq
    const live = h.pipeline.engine!.markets.get(symbol)!.state.mb.book.l2();
    const levels = (side: typeof live.bids) => side.map((l) => [units.formatPrice(l.price), units.formatQty(l.qty)]);
    expect({ seq: live.seq, bids: levels(live.bids), asks: levels(live.asks) }).toEqual({
      seq: archived.lastUpdateId,
      bids: archived.bids,
      asks: archived.asks,
    });
    // the book is not trivial and the snapshot was taken mid-stream
    expect(archived.bids.length + archived.asks.length).toBeGreaterThan(20);
    expect(snapshotAt).toBeLessThan(ORDERS);
    expect(applied).toBeGreaterThan(20);
    expect(
      Number(
        (await h.db.pool.query(`SELECT count(*) AS n FROM events WHERE market = $1 AND type = 'trade'`, [symbol]))
          .rows[0].n,
      ),
    ).toBeGreaterThan(100);
    expect(dropped + applied).toBe(client.frames.length);
  }, 400_000);
});

describe('Binance partial book depth streams', () => {
  it('<symbol>@depth5@100ms and @depth10: the top levels as REST depth has them, again after each change', async () => {
    const symbol = h.market.symbol;
    const lower = symbol.toLowerCase();
    const [maker, taker] = await Promise.all([trader(), trader()]);
    for (const p of ['300', '301', '302', '303', '304', '305']) {
      const r = await maker.call(
        'POST',
        '/order',
        `symbol=${symbol}&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=${p}`,
      );
      expect(r.status).toBe(200);
    }
    await settled(h);
    const five = await connect(`/ws/${lower}@depth5@100ms`);
    const ten = await connect(`/stream?streams=${lower}@depth10`);
    const top = async (limit: number) => {
      const { bids, asks } = (
        await binanceFetch(h.baseUrl, { path: '/depth', query: `symbol=${symbol}&limit=${limit}` })
      ).body;
      return { bids, asks };
    };
    // right after subscribing: the levels as they stand
    const first5 = await five.until(() => five.frames[0], 'first depth5');
    expect({ bids: first5.bids, asks: first5.asks }).toEqual(await top(5));
    const first10 = await ten.until(() => ten.frames[0], 'first depth10');
    expect(first10.stream).toBe(`${lower}@depth10`);
    expect({ bids: first10.data.bids, asks: first10.data.asks }).toEqual(await top(10));
    expect(first10.data.lastUpdateId).toBe(first5.lastUpdateId);

    // the best ask taken whole: a new frame with the next levels
    const bestAsk = first5.asks[0][0];
    await take(taker, 'BUY', [first5.asks[0]]);
    await settled(h);
    const next5 = await five.until(() => five.frames.find((f) => f.asks[0]?.[0] !== bestAsk), 'depth5 after the trade');
    expect(next5.lastUpdateId).toBeGreaterThan(first5.lastUpdateId);
    expect({ bids: next5.bids, asks: next5.asks }).toEqual(await top(5));
    const next10 = await ten.until(
      () => ten.frames.find((f) => f.data.asks[0]?.[0] !== bestAsk),
      'depth10 after the trade',
    );
    expect({ bids: next10.data.bids, asks: next10.data.asks }).toEqual(await top(10));
    await maker.call('DELETE', '/openOrders', `symbol=${symbol}`);
  }, 60_000);
});

describe('ccxt.pro (the real binance class, its urls pointed here) on these streams', () => {
  it('watchOrderBook, watchBidsAsks, watchTrades, watchTicker (miniTicker) and watchOHLCV', async () => {
    const symbol = h.market.symbol;
    const SYM = 'BTC/USDT';
    const [maker, taker] = await Promise.all([trader(), trader()]);
    const ex = new CcxtRemote({
      apiKey: taker.keyId,
      secret: taker.secret,
      baseUrl: h.baseUrl,
      wsUrl: `ws://127.0.0.1:${feed.port}/ws`,
    });
    remotes.push(ex);
    await ex.call('loadMarkets');
    // a book of known levels: sweep what the earlier tests left resting, then rest one order a side
    const left = (await binanceFetch(h.baseUrl, { path: '/depth', query: `symbol=${symbol}&limit=5000` })).body;
    await take(taker, 'BUY', left.asks);
    await take(taker, 'SELL', left.bids);
    const rest0 = (side: string, p: string) =>
      maker.call('POST', '/order', `symbol=${symbol}&side=${side}&type=LIMIT&timeInForce=GTC&quantity=0.03&price=${p}`);
    expect((await rest0('SELL', '300')).status).toBe(200);
    expect((await rest0('BUY', '60')).status).toBe(200);
    await settled(h);

    // REST snapshot + diffs with U/u, as ccxt does it
    const book = await ex.call<{ bids: number[][]; asks: number[][]; nonce: number }>('watchOrderBook', SYM);
    const rest = await binanceFetch(h.baseUrl, { path: '/depth', query: `symbol=${symbol}&limit=5` });
    const asNumbers = (levels: string[][]) => levels.map(([p, q]) => [Number(p), Number(q)]);
    expect(book.bids.slice(0, 5)).toEqual(asNumbers(rest.body.bids));
    expect(book.asks.slice(0, 5)).toEqual(asNumbers(rest.body.asks));
    expect(book).toMatchObject({ asks: [[300, 0.03]], bids: [[60, 0.03]] });

    // A watch resolves on the next event after its subscription, which ccxt makes on its own
    // time: a trade at a fresh best bid (above all resting ones) every 300 ms until it does.
    let price = 150;
    const poke = async () => {
      price += 0.01;
      const p = price.toFixed(2);
      await maker.call(
        'POST',
        '/order',
        `symbol=${symbol}&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.02&price=${p}`,
      );
      await taker.call(
        'POST',
        '/order',
        `symbol=${symbol}&side=SELL&type=LIMIT&timeInForce=IOC&quantity=0.01&price=${p}`,
      );
    };
    const watch = async <T>(method: string, ...args: unknown[]): Promise<T> => {
      let done = false;
      const result = ex.call<T>(method, ...args).finally(() => (done = true));
      while (!done) {
        await poke();
        await Promise.race([result, new Promise((r) => setTimeout(r, 300))]);
      }
      return result;
    };

    const tops = await watch<Record<string, Json>>('watchBidsAsks', [SYM]);
    expect(tops[SYM]).toMatchObject({ symbol: SYM, bidVolume: expect.any(Number) });
    expect(tops[SYM]!.bid).toBeGreaterThan(150);
    const trades = await watch<Json[]>('watchTrades', SYM);
    expect(trades.at(-1)).toMatchObject({ symbol: SYM, side: 'sell', amount: 0.01 });
    expect(trades.at(-1)!.price).toBeGreaterThan(150);
    const ticker = await watch<Json>('watchTicker', SYM);
    expect(ticker).toMatchObject({ symbol: SYM });
    expect(ticker.last).toBeGreaterThan(150);
    const candles = await watch<number[][]>('watchOHLCV', SYM, '1m');
    expect(candles.at(-1)![0]! % 60_000).toBe(0);
    expect(candles.at(-1)![4]).toBeGreaterThan(150); // the close: the last poke's price
    await maker.call('DELETE', '/openOrders', `symbol=${symbol}`);
  }, 120_000);
});
