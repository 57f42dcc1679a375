import { FeedClient } from '@exchange/client';
import { applyBookMessage, bookChecksum, CandleSet, formatCandle, L2Book, type Candle } from '@exchange/market-data';
import type { TradeEvent } from '@exchange/orderbook';
import WebSocket from 'ws';
import type { WsFeed } from '../src';
import {
  createHarness,
  createMarket,
  engineBatch,
  eventually,
  startFeed,
  TestSocket,
  Workload,
  type Harness,
} from './support/harness';
import { mulberry32 } from '../../../packages/market-data/test/support/workload';

let h: Harness;
let feed: WsFeed;
const clients: FeedClient[] = [];
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await feed?.close();
  await h.close();
});

const client = (port: number) => {
  const c = new FeedClient({ url: `ws://127.0.0.1:${port}`, WebSocket, pingIntervalMs: 0 });
  clients.push(c);
  return c;
};

describe('book sync through a feed node', () => {
  it('clients rebuild the engine book exactly across thousands of random orders, through a lost message', async () => {
    const sim = await createMarket(h, 'BK');
    const w = new Workload(sim.symbol, 42, { startTs: Date.now() - 3_600_000, msPerCommand: 1000 });
    const trades: TradeEvent[] = [];
    let lastU = 0;
    const run = async (count: number, opts: { snapshot?: boolean; dropBook?: boolean } = {}) => {
      const { applied, out } = await engineBatch(h, sim, w, count, opts);
      for (const a of applied) for (const e of a.events) if (e.type === 'trade') trades.push(e);
      for (const m of out.md) if (m.startsWith('{"type":"book"')) lastU = (JSON.parse(m) as { u: number }).u;
    };
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    // History the node has not seen: it loads it from the archive (an engine snapshot row + later level events).
    for (let b = 0; b < 40; b++) await run(10, { snapshot: b === 20 });
    feed = await startFeed(h);

    const fullBook = client(feed.port).book(sim.symbol);
    const topBook = client(feed.port).book(sim.symbol, 10);
    for (const c of clients) c.connect();
    const raw = await TestSocket.open(feed.port);
    raw.send({ op: 'subscribe', id: 1, channel: 'trades', market: sim.symbol });
    raw.send({ op: 'subscribe', id: 2, channel: 'ticker', market: sim.symbol });
    raw.send({ op: 'subscribe', id: 3, channel: 'candles', market: sim.symbol, interval: '1m' });
    await eventually(() => fullBook.synced && topBook.synced, 10_000, 'first snapshots');
    await raw.until(() => raw.find('candles'), 5000, 'candle history');
    const tradesBefore = trades.length;
    expect(fullBook.seq).toBe(sim.book.seq);
    expect(fullBook.levels()).toEqual(sim.l2());
    expect(topBook.levels()).toEqual(sim.l2(10));

    const rnd = mulberry32(4242);
    let late: ReturnType<FeedClient['book']> | null = null;
    let commands = 400;
    for (let b = 0; b < 320; b++) {
      const n = 1 + Math.floor(rnd() * 15);
      commands += n;
      await run(n, { dropBook: b === 150 });
      if (b === 100) {
        const c = client(feed.port);
        late = c.book(sim.symbol, 25);
        c.connect();
      }
    }
    expect(commands).toBeGreaterThan(2500);
    await eventually(
      () =>
        fullBook.seq >= lastU &&
        same(fullBook.levels(), sim.l2()) &&
        same(topBook.levels(), sim.l2(10)) &&
        same(late?.levels(), sim.l2(25)),
      10_000,
      'books to catch up',
    );
    expect(fullBook.levels()).toEqual(sim.l2());
    const top10 = sim.l2(10);
    expect(fullBook.checksum(10)).toBe(bookChecksum(top10.asks, top10.bids));
    expect(topBook.levels()).toEqual(sim.l2(10));
    expect(late!.levels()).toEqual(sim.l2(25));
    // The node noticed the lost message, reloaded from the archive and re-sent snapshots; no client ever
    // saw a gap or a checksum mismatch of its own.
    expect(fullBook.snapshots).toBe(2);
    expect(fullBook.resyncs + topBook.resyncs + late!.resyncs).toBe(0);
    const metrics = await feed.registry.getSingleMetricAsString('ws_feed_resyncs_total');
    expect(metrics).toContain('reason="gap"');

    // Trades and ticker are forwarded as published; candles equal an aggregation of every trade.
    await raw.until(
      () => raw.of('trades').flatMap((m) => m.trades).length === trades.length - tradesBefore,
      5000,
      'trades',
    );
    expect(raw.of('trades').flatMap((m) => m.trades.map((t) => t.tradeId))).toEqual(
      trades.slice(tradesBefore).map((t) => t.tradeId),
    );
    const lastTicker = raw.of('ticker').at(-1)!;
    expect(lastTicker.seq).toBeLessThanOrEqual(sim.book.seq);
    expect(lastTicker.bid?.[0] ?? null).toBe(sim.l2(1).bids[0]?.[0] ?? null);
    const naive = new CandleSet(['1m'], 100);
    for (const t of trades) naive.addTrade(t.price, t.qty, t.ts);
    const want = naive.series
      .get('1m')!
      .recent()
      .map((b) => formatCandle(b, sim.state.mb.market));
    const seen = new Map<number, Candle>();
    for (const m of raw.messages) {
      if (m.type === 'candles') {
        seen.clear();
        for (const c of m.candles) seen.set(c.t, c);
      } else if (m.type === 'candle') seen.set(m.candle.t, m.candle);
    }
    const got = [...seen.values()].filter((c) => c.t >= want[0]!.t).sort((a, b) => a.t - b.t);
    expect(got).toEqual(want);
    raw.close();
  });

  it('a node that finds a checksum mismatch reloads and re-sends snapshots', async () => {
    const sim = await createMarket(h, 'CK');
    const w = new Workload(sim.symbol, 5);
    for (let b = 0; b < 10; b++) await engineBatch(h, sim, w, 10);
    const s = await TestSocket.open(feed.port);
    s.send({ op: 'subscribe', channel: 'book', market: sim.symbol });
    await s.until(() => s.find('snapshot'));
    let lastU = 0;
    for (let b = 0; b < 30; b++) {
      const { out } = await engineBatch(h, sim, w, 5, { corruptChecksum: b === 10 });
      for (const m of out.md) if (m.startsWith('{"type":"book"')) lastU = (JSON.parse(m) as { u: number }).u;
    }
    await s.until(() => s.of('snapshot').length === 2 && s.of('book').at(-1)?.u === lastU, 5000, 'resync and catch-up');
    const metrics = await feed.registry.getSingleMetricAsString('ws_feed_resyncs_total');
    expect(metrics).toContain(`market="${sim.symbol}",reason="checksum_mismatch"`);
    // The corrupted message was not forwarded; the last snapshot plus the deltas after it rebuild the engine book.
    expect(s.of('book').some((m) => m.checksum === 1)).toBe(false);
    const last = s.of('snapshot')[1]!;
    const book = L2Book.from(last, last.lastUpdateId);
    for (const m of s.messages.slice(s.messages.indexOf(last) + 1)) {
      if (m.type === 'book') expect(applyBookMessage(book, m)).toBe('applied');
    }
    expect(book.levels()).toEqual(sim.l2());
    s.close();
  });
});
