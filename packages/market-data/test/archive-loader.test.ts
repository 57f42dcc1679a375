import { createTestDatabase, type TestDatabase } from '@exchange/db';
import type { TradeEvent } from '@exchange/orderbook';
import {
  CandleSet,
  loadBookSnapshot,
  queryArchivedBook,
  queryMinuteCandles,
  withArchiveSnapshot,
  type CandleBucket,
} from '../src';
import { EngineSim } from './support/engine-sim';
import { Workload, mulberry32 } from './support/workload';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('md');
});
afterAll(async () => {
  await db.drop();
});

describe('the archive loader', () => {
  it('loads the engine book at the archived seq, with or without snapshots', async () => {
    const sim = new EngineSim('ARCH1');
    const w = new Workload('ARCH1', 21, { msPerCommand: 7_000 });
    const rnd = mulberry32(22);
    const market = sim.state.mb.market;
    const trades: TradeEvent[] = [];
    // An empty market: seq 0, no levels.
    expect(await withArchiveSnapshot(db.pool, (q) => queryArchivedBook(q, market))).toEqual({
      market: 'ARCH1',
      seq: 0,
      lastTradeId: 0,
      bids: [],
      asks: [],
    });
    for (let round = 0; round < 12; round++) {
      for (let b = 0; b < 15; b++) {
        const { applied } = sim.batch(w.take(1 + Math.floor(rnd() * 20)));
        for (const a of applied) for (const e of a.events) if (e.type === 'trade') trades.push(e);
        await sim.archive(db.pool, applied, round % 3 === 1 && b === 7);
      }
      const loaded = await withArchiveSnapshot(db.pool, (q) => queryArchivedBook(q, market));
      expect(loaded.seq).toBe(sim.book.seq);
      expect(loaded.lastTradeId).toBe(sim.book.tradeId);
      expect({ bids: loaded.bids, asks: loaded.asks }).toEqual(sim.l2());
    }
    const snaps = await db.pool.query('SELECT count(*)::int AS n FROM engine_snapshots WHERE market = $1', ['ARCH1']);
    expect(snaps.rows[0].n).toBeGreaterThan(0);
    const rest = await loadBookSnapshot(db.pool, market, 3);
    expect(rest).toEqual({ lastUpdateId: sim.book.seq, ...sim.l2(3) });

    // 1-minute candles equal a naive aggregation of the trades, and larger intervals merge them.
    expect(trades.length).toBeGreaterThan(50);
    const since = trades[Math.floor(trades.length / 3)]!.ts;
    const buckets = await withArchiveSnapshot(db.pool, (q) => queryMinuteCandles(q, 'ARCH1', since));
    const naive = new CandleSet(['1m', '5m'], 10_000);
    for (const t of trades) if (t.ts >= since) naive.addTrade(t.price, t.qty, t.ts);
    expect(buckets).toEqual(naive.series.get('1m')!.recent());
    const merged = new CandleSet(['1m', '5m'], 10_000);
    merged.load(buckets);
    expect(merged.series.get('5m')!.recent()).toEqual(naive.series.get('5m')!.recent());
  });
});

describe('candles', () => {
  it('keeps the last N buckets, aligned, with exact volumes', () => {
    const set = new CandleSet(['1m', '1h'], 3);
    const at = (min: number) => 1_700_000_000_000 - (1_700_000_000_000 % 3_600_000) + min * 60_000;
    set.addTrade(100, 2, at(0));
    set.addTrade(105, 1, at(0) + 59_999);
    set.addTrade(99, 5, at(1));
    set.addTrade(101, 1, at(2));
    set.addTrade(102, 1, at(3));
    const m1 = set.series.get('1m')!.recent();
    expect(m1.map((b) => b.t)).toEqual([at(1), at(2), at(3)]);
    const h1 = set.series.get('1h')!.recent() as CandleBucket[];
    expect(h1).toEqual([
      { t: at(0), o: 100, h: 105, l: 99, c: 102, v: 10n, qv: 200n + 105n + 495n + 101n + 102n, n: 5 },
    ]);
    // A trade older than every kept 1m bucket only updates the 1h one.
    expect(set.addTrade(98, 1, at(0)).map(([i]) => i)).toEqual(['1h']);
  });
});
