/**
 * A long random session through the real balance manager and engine (one market with an open-order
 * cap), then replays of it: the replayed books and balances equal the live ones, a point-in-time book equals the one the engine
 * had at that seq, and a tampered archived event is named by its seq.
 */
import { balanceHash, liveBalances, runReplay, type ReplayResult } from '@exchange/replay';
import { take, workload } from '../../engine/test/workload';
import { fundAccounts, startPipeline, uniqueSymbol, type Pipeline } from './harness';

const A = uniqueSymbol('RA');
const B = uniqueSymbol('RB');
const ROUNDS = 8;

interface Capture {
  seq: number;
  hash: string;
  ts: number;
  l2: { bids: Array<[string, string, number]>; asks: Array<[string, string, number]> };
  l3: Array<[number, string, string]>;
}

let p: Pipeline;
const captures: Capture[] = [];

const market = (r: ReplayResult, m: string) => r.markets.find((x) => x.market === m)!;

beforeAll(async () => {
  // B's book caps each account's open orders (ADR 0024): its rejections are replayed too
  p = await startPipeline([A, B], { SNAPSHOT_EVERY_EVENTS: '3000' }, { [B]: 4 });
  await fundAccounts(
    p.db.pool,
    Array.from({ length: 50 }, (_, k) => k + 1),
  );
  const genA = workload({ market: A, seed: 7 });
  const genB = workload({ market: B, seed: 11 });
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all([p.send(A, take(genA, 600)), p.send(B, take(genB, 200))]);
    await Promise.all([p.drained(A), p.drained(B)]);
    // the engine's own book right now, as the test saw it
    const { mb } = p.engine.markets.get(A)!.state;
    const l2 = mb.book.l2();
    const lvl = (l: { price: number; qty: number; count: number }): [string, string, number] => [
      mb.market.formatPrice(l.price),
      mb.market.formatQty(l.qty),
      l.count,
    ];
    const { rows } = await p.db.pool.query<{ ts: string }>('SELECT ts FROM events WHERE market = $1 AND seq = $2', [
      A,
      mb.book.seq,
    ]);
    captures.push({
      seq: mb.book.seq,
      hash: mb.book.stateHash(),
      ts: Number(rows[0]!.ts),
      l2: { bids: l2.bids.map(lvl), asks: l2.asks.map(lvl) },
      l3: [...mb.book.l3().bids, ...mb.book.l3().asks].map((o) => [
        o.orderId,
        o.side,
        mb.market.formatQty(o.remaining),
      ]),
    });
  }
}, 240_000);

afterAll(async () => {
  await p?.stop();
});

describe('replay of a live session', () => {
  it('reproduces the live books and balances exactly', async () => {
    const live = (m: string) => p.engine.markets.get(m)!.state;
    expect(live(A).seq).toBeGreaterThan(10_000);
    const capped = await p.db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM events WHERE market = $1 AND type = 'rejected' AND body->>'reason' = 'TOO_MANY_OPEN_ORDERS'`,
      [B],
    );
    expect(Number(capped.rows[0]!.n)).toBeGreaterThan(0);
    const r = await runReplay(p.db.pool, { markets: [A, B], mode: 'verify' });
    for (const m of [A, B]) {
      const res = market(r, m);
      expect(res.firstDivergence).toBeNull();
      expect(res.seq).toBe(live(m).seq);
      expect(res.replayedHash).toBe(live(m).mb.book.stateHash());
      // the engine's own snapshot (its hash as written by the live process) was checked on the way
      expect(res.liveSeq).toBeGreaterThan(0);
      expect(res.match).toBe(true);
    }
    expect(r.balances).not.toBeNull();
    expect(r.balances!.firstDivergence).toBeNull();
    expect(r.balances!.liveSource).toBe('balances');
    expect(r.balances!.markets.sort()).toEqual([A, B].sort());
    expect(r.balances!.replayedHash).toBe(balanceHash(await liveBalances(p.db.pool)));
    // every cause the ledger recorded was produced again, with the same postings
    const causes = await p.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM ledger_causes WHERE entries > 0');
    expect(r.balances!.causes).toBe(Number(causes.rows[0]!.n));
    expect(r.match).toBe(true);
  }, 120_000);

  it('rebuilds the book the engine had at a seq, and at a time', async () => {
    for (const cap of captures.slice(0, 4)) {
      const r = await runReplay(p.db.pool, { markets: [A], mode: 'reconstruct', until: { seq: cap.seq }, depth: 5000 });
      const res = market(r, A);
      expect(res.seq).toBe(cap.seq);
      expect(res.book!.stateHash).toBe(cap.hash);
      expect(res.book!.l2.bids.map((l) => [l.price, l.qty, l.count])).toEqual(cap.l2.bids);
      expect(res.book!.l2.asks.map((l) => [l.price, l.qty, l.count])).toEqual(cap.l2.asks);
      expect([...res.book!.l3.bids, ...res.book!.l3.asks].map((o) => [o.orderId, o.side, o.remaining])).toEqual(cap.l3);
      // balances up to that point agree with the ledger recorded up to it
      expect(r.balances!.liveSource).toBe('ledger');
      expect(r.balances!.match).toBe(true);
      expect(res.match).toBe(true);
    }
    const cap = captures[2]!;
    const byTime = await runReplay(p.db.pool, {
      markets: [A],
      mode: 'reconstruct',
      until: { time: new Date(cap.ts).toISOString() },
    });
    expect(market(byTime, A).seq).toBe(cap.seq);
    expect(market(byTime, A).book!.stateHash).toBe(cap.hash);
  }, 120_000);

  it('starts from an engine snapshot and lands on the same state', async () => {
    const r = await runReplay(p.db.pool, { markets: [A], mode: 'verify', fromSnapshot: true });
    const res = market(r, A);
    expect(res.fromSeq).toBeGreaterThan(0);
    expect(res.replayedHash).toBe(p.engine.markets.get(A)!.state.mb.book.stateHash());
    expect(res.match).toBe(true);
    expect(r.balances).toBeNull();
  }, 60_000);

  it('names the seq of a tampered archived event', async () => {
    const { rows } = await p.db.pool.query<{ seq: string; body: string }>(
      `SELECT seq, body::text AS body FROM events WHERE market = $1 AND type = 'trade' AND seq > $2 ORDER BY seq LIMIT 1`,
      [A, captures[3]!.seq],
    );
    const seq = Number(rows[0]!.seq);
    const original = rows[0]!.body;
    const forged = original.replace(/"qty":(\d+)/, (_, q: string) => `"qty":${Number(q) + 1}`);
    expect(forged).not.toBe(original);
    const client = await p.db.pool.connect();
    try {
      // the archive is append-only (a trigger): the forger has to get around it
      await client.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
      await client.query('UPDATE events SET body = $3::json WHERE market = $1 AND seq = $2', [A, seq, forged]);
      const r = await runReplay(p.db.pool, { markets: [A, B], mode: 'verify' });
      expect(r.match).toBe(false);
      expect(market(r, A).match).toBe(false);
      expect(market(r, A).firstDivergence).toMatchObject({
        seq,
        reason: 'EVENT_MISMATCH',
        expected: forged,
        actual: original,
      });
      expect(market(r, B).match).toBe(true);
      await client.query('UPDATE events SET body = $3::json WHERE market = $1 AND seq = $2', [A, seq, original]);
    } finally {
      await client.query('ALTER TABLE events ENABLE TRIGGER events_append_only');
      client.release();
    }
    expect((await runReplay(p.db.pool, { markets: [A], mode: 'verify' })).match).toBe(true);
  }, 120_000);

  it('names the seq of an archived event that is gone, past where the read-ahead window was compacted', async () => {
    // beyond COMPACT_AT (8192) events the replay's window of archived events has been shifted
    const { rows } = await p.db.pool.query<{ seq: string }>(
      'SELECT seq FROM events WHERE market = $1 AND seq > 9000 ORDER BY seq LIMIT 1',
      [A],
    );
    expect(rows).toHaveLength(1);
    const seq = Number(rows[0]!.seq);
    const client = await p.db.pool.connect();
    try {
      await client.query('CREATE TEMP TABLE gone AS SELECT * FROM events WHERE market = $1 AND seq = $2', [A, seq]);
      await client.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
      await client.query('DELETE FROM events WHERE market = $1 AND seq = $2', [A, seq]);
      const r = await runReplay(p.db.pool, { markets: [A], mode: 'verify' });
      expect(market(r, A).match).toBe(false);
      expect(market(r, A).firstDivergence).toMatchObject({ seq, reason: 'EVENT_MISSING', expected: null });
      expect(market(r, A).replayedHash).toBe(p.engine.markets.get(A)!.state.mb.book.stateHash());
      await client.query('INSERT INTO events SELECT * FROM gone');
    } finally {
      await client.query('ALTER TABLE events ENABLE TRIGGER events_append_only');
      await client.query('DROP TABLE IF EXISTS gone');
      client.release();
    }
    expect((await runReplay(p.db.pool, { markets: [A], mode: 'verify' })).match).toBe(true);
  }, 120_000);

  it('names the seq of a forged ledger entry', async () => {
    const { rows } = await p.db.pool.query<{ id: string; cause: string; amount: string }>(
      `SELECT id, cause, amount::text FROM ledger_entries WHERE cause LIKE $1 ORDER BY id DESC LIMIT 1`,
      [`e:${B}:%`],
    );
    const { id, cause, amount } = rows[0]!;
    const seq = Number(cause.slice(cause.lastIndexOf(':') + 1));
    const client = await p.db.pool.connect();
    try {
      await client.query('ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only');
      await client.query('UPDATE ledger_entries SET amount = amount + 1 WHERE id = $1', [id]);
      const r = await runReplay(p.db.pool, { markets: [A, B], mode: 'verify' });
      expect(r.match).toBe(false);
      expect(r.markets.every((m) => m.match)).toBe(true);
      expect(r.balances!.firstDivergence).toMatchObject({ seq, reason: 'LEDGER_MISMATCH', cause });
      await client.query('UPDATE ledger_entries SET amount = $2 WHERE id = $1', [id, amount]);
    } finally {
      await client.query('ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only');
      client.release();
    }
  }, 120_000);
});
