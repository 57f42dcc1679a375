/**
 * Reads a market's L2 book (and its recent trades as 1-minute candles) out of the engine's Postgres
 * archive at one known seq, in one REPEATABLE READ read-only transaction so every part is as of
 * the same commit: the newest engine_snapshots row (resting orders' `visible` summed per price, at
 * seq S), then the latest archived `level` event per price with seq > S (absolute totals; 0 = gone).
 * The book is then current as of L = the highest archived seq. No engine involvement.
 *
 * The only IO of this package: the pool is passed in (only `connect()` and `query()` are used).
 */
import type { MdLevel } from '@exchange/protocol';
import type { Market } from '@exchange/units';
import type { CandleBucket } from './candles';
import type { L2Levels } from './l2-book';

/** The slice of pg's Pool / PoolClient used here. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}
export interface ConnectablePool {
  connect(): Promise<Queryable & { release(err?: Error | boolean): void }>;
}

export interface ArchivedBook extends L2Levels {
  market: string;
  /** The seq the levels are current as of (the highest archived seq; 0 for a market with no events). */
  seq: number;
  /** The last trade id up to `seq` (0 when none). */
  lastTradeId: number;
}

/** Runs `fn` in a REPEATABLE READ READ ONLY transaction: all its reads see one commit. */
export async function withArchiveSnapshot<T>(pool: ConnectablePool, fn: (q: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

interface LevelRow {
  side: 'buy' | 'sell';
  price: string;
  qty: string;
}

/** The L2 book of `market` as of the latest archived seq. Use inside withArchiveSnapshot. */
export async function queryArchivedBook(q: Queryable, market: Market): Promise<ArchivedBook> {
  const symbol = market.symbol;
  const snap = (
    await q.query<{ seq: string; trade_id: string | null }>(
      `SELECT seq, snapshot->>'tradeId' AS trade_id FROM engine_snapshots WHERE market = $1 ORDER BY seq DESC LIMIT 1`,
      [symbol],
    )
  ).rows[0];
  const snapSeq = snap ? Number(snap.seq) : 0;
  const levels = new Map<string, LevelRow>();
  const put = (r: LevelRow) => levels.set(`${r.side}:${r.price}`, r);
  if (snap) {
    const { rows } = await q.query<LevelRow>(
      `SELECT x.side, (o->>'price')::bigint::text AS price, sum((o->>'visible')::bigint)::text AS qty
         FROM engine_snapshots s
         CROSS JOIN LATERAL (
           SELECT 'buy' AS side, o FROM jsonb_array_elements(s.snapshot->'bids') o
           UNION ALL SELECT 'sell', o FROM jsonb_array_elements(s.snapshot->'asks') o) x
        WHERE s.market = $1 AND s.seq = $2
        GROUP BY x.side, (o->>'price')::bigint`,
      [symbol, snapSeq],
    );
    for (const r of rows) put(r);
  }
  const after = await q.query<LevelRow>(
    `SELECT DISTINCT ON (side, price) side, price::text, qty::text
       FROM (SELECT seq, body->>'side' AS side, (body->>'price')::bigint AS price, (body->>'qty')::bigint AS qty
               FROM events WHERE market = $1 AND seq > $2 AND type = 'level') l
      ORDER BY side, price, seq DESC`,
    [symbol, snapSeq],
  );
  for (const r of after.rows) put(r);
  const tail = (
    await q.query<{ max_seq: string | null; max_trade: string | null }>(
      `SELECT (SELECT max(seq) FROM events WHERE market = $1) AS max_seq,
              (SELECT max((body->>'tradeId')::bigint) FROM events WHERE market = $1 AND seq > $2 AND type = 'trade') AS max_trade`,
      [symbol, snapSeq],
    )
  ).rows[0];
  const bids: Array<[number, number]> = [];
  const asks: Array<[number, number]> = [];
  for (const r of levels.values()) {
    const qty = Number(r.qty);
    if (qty > 0) (r.side === 'buy' ? bids : asks).push([Number(r.price), qty]);
  }
  bids.sort((a, b) => b[0] - a[0]);
  asks.sort((a, b) => a[0] - b[0]);
  const fmt = ([p, qty]: [number, number]): MdLevel => [market.formatPrice(p), market.formatQty(qty)];
  return {
    market: symbol,
    seq: Math.max(snapSeq, Number(tail?.max_seq ?? 0)),
    lastTradeId: Number(tail?.max_trade ?? snap?.trade_id ?? 0),
    bids: bids.map(fmt),
    asks: asks.map(fmt),
  };
}

/**
 * 1-minute candle buckets of the trades with ts >= sinceTs, oldest first (open/close by seq). Use
 * inside withArchiveSnapshot, together with queryArchivedBook, so both are as of the same seq.
 */
export async function queryMinuteCandles(q: Queryable, symbol: string, sinceTs: number): Promise<CandleBucket[]> {
  const { rows } = await q.query<{
    t: string;
    o: string;
    h: string;
    l: string;
    c: string;
    v: string;
    qv: string;
    n: string;
  }>(
    `SELECT (ts - ts % 60000)::text AS t,
            (array_agg(p ORDER BY seq))[1]::text AS o, max(p)::text AS h, min(p)::text AS l,
            (array_agg(p ORDER BY seq DESC))[1]::text AS c, sum(q)::text AS v, sum(p::numeric * q)::text AS qv,
            count(*)::text AS n
       FROM (SELECT seq, ts, (body->>'price')::bigint AS p, (body->>'qty')::bigint AS q
               FROM events WHERE market = $1 AND type = 'trade' AND ts >= $2) tr
      GROUP BY ts - ts % 60000 ORDER BY ts - ts % 60000`,
    [symbol, sinceTs],
  );
  return rows.map((r) => ({
    t: Number(r.t),
    o: Number(r.o),
    h: Number(r.h),
    l: Number(r.l),
    c: Number(r.c),
    v: BigInt(r.v),
    qv: BigInt(r.qv),
    n: Number(r.n),
  }));
}

/**
 * The REST depth endpoint's source when it has no live follower: the book at the latest archived
 * seq, `lastUpdateId` read atomically with the levels, cut to `limit` levels a side.
 */
export async function loadBookSnapshot(
  pool: ConnectablePool,
  market: Market,
  limit = Infinity,
): Promise<{ lastUpdateId: number; bids: MdLevel[]; asks: MdLevel[] }> {
  const b = await withArchiveSnapshot(pool, (q) => queryArchivedBook(q, market));
  return { lastUpdateId: b.seq, bids: b.bids.slice(0, limit), asks: b.asks.slice(0, limit) };
}
