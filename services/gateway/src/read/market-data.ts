import type { Pool } from '@exchange/db';
import type { BookDepth, Candle, PublicTrade, Ticker } from '@exchange/client';
import { formatAmount } from '@exchange/units';
import type { MarketEntry } from '../markets/registry';

/**
 * Public market data from the projection: the L2 book (from `level` events, with the seq it
 * reflects as lastUpdateId), trades, a 24 h ticker and candles.
 */
export class MarketData {
  constructor(private readonly pool: Pool) {}

  async book(m: MarketEntry, depth: number): Promise<BookDepth> {
    // one statement: the levels and the checkpoint come from the same snapshot
    const { rows } = await this.pool.query<{ side: string; price: string; qty: string; last_seq: string | null }>(
      `WITH cp AS (SELECT last_seq FROM projection_checkpoints WHERE market = $1)
       (SELECT side, price, qty, (SELECT last_seq FROM cp) AS last_seq FROM book_levels WHERE market = $1 AND side = 'buy' ORDER BY price DESC LIMIT $2)
       UNION ALL
       (SELECT side, price, qty, (SELECT last_seq FROM cp) FROM book_levels WHERE market = $1 AND side = 'sell' ORDER BY price ASC LIMIT $2)
       UNION ALL
       (SELECT 'none', 0, 0, (SELECT last_seq FROM cp))`,
      [m.symbol, depth],
    );
    const u = m.units;
    const level = (r: { price: string; qty: string }): [string, string] => [
      u.formatPrice(Number(r.price)),
      u.formatQty(Number(r.qty)),
    ];
    return {
      market: m.symbol,
      lastUpdateId: Number(rows[rows.length - 1]?.last_seq ?? 0),
      bids: rows.filter((r) => r.side === 'buy').map(level),
      asks: rows.filter((r) => r.side === 'sell').map(level),
    };
  }

  async trades(m: MarketEntry, limit: number): Promise<PublicTrade[]> {
    const { rows } = await this.pool.query<{
      trade_id: string;
      price: string;
      qty: string;
      aggressor: 'buy' | 'sell';
      ts: string;
    }>('SELECT trade_id, price, qty, aggressor, ts FROM trades WHERE market = $1 ORDER BY trade_id DESC LIMIT $2', [
      m.symbol,
      limit,
    ]);
    return rows.map((r) => ({
      tradeId: Number(r.trade_id),
      price: m.units.formatPrice(Number(r.price)),
      qty: m.units.formatQty(Number(r.qty)),
      side: r.aggressor,
      ts: Number(r.ts),
    }));
  }

  async ticker(m: MarketEntry, now = Date.now()): Promise<Ticker> {
    const windowStart = now - 86_400_000;
    const { rows } = await this.pool.query<{
      open: string | null;
      last: string | null;
      high: string | null;
      low: string | null;
      volume: string | null;
      quote_units: string | null;
      trades: string;
      bid: string | null;
      ask: string | null;
    }>(
      `SELECT
         (SELECT price FROM trades WHERE market = $1 AND ts >= $2 ORDER BY trade_id ASC LIMIT 1) AS open,
         (SELECT price FROM trades WHERE market = $1 ORDER BY trade_id DESC LIMIT 1) AS last,
         max(price) AS high, min(price) AS low, sum(qty) AS volume, sum(price::numeric * qty) AS quote_units, count(*) AS trades,
         (SELECT max(price) FROM book_levels WHERE market = $1 AND side = 'buy') AS bid,
         (SELECT min(price) FROM book_levels WHERE market = $1 AND side = 'sell') AS ask
       FROM trades WHERE market = $1 AND ts >= $2`,
      [m.symbol, windowStart],
    );
    const r = rows[0]!;
    const u = m.units;
    const price = (v: string | null) => (v === null ? null : u.formatPrice(Number(v)));
    return {
      market: m.symbol,
      last: price(r.last),
      open: price(r.open),
      high: price(r.high),
      low: price(r.low),
      volume: formatAmount(BigInt(r.volume ?? '0') * u.lotMinor, u.base),
      quoteVolume: formatAmount(BigInt(r.quote_units ?? '0') * u.tickLotMinor, u.quote),
      bestBid: price(r.bid),
      bestAsk: price(r.ask),
      trades: Number(r.trades),
      windowStart,
    };
  }

  async candles(
    m: MarketEntry,
    q: { intervalMs: number; limit: number; startTime?: number; endTime?: number },
  ): Promise<Candle[]> {
    const end = q.endTime ?? Date.now();
    const start = q.startTime ?? end - q.intervalMs * q.limit;
    const { rows } = await this.pool.query<{
      bucket: string;
      open: string;
      high: string;
      low: string;
      close: string;
      volume: string;
      trades: string;
    }>(
      `SELECT (ts / $2) * $2 AS bucket,
         (array_agg(price ORDER BY trade_id ASC))[1] AS open, max(price) AS high, min(price) AS low,
         (array_agg(price ORDER BY trade_id DESC))[1] AS close, sum(qty) AS volume, count(*) AS trades
       FROM trades WHERE market = $1 AND ts >= $3 AND ts <= $4
       GROUP BY 1 ORDER BY 1 ASC LIMIT $5`,
      [m.symbol, q.intervalMs, start, end, q.limit],
    );
    const u = m.units;
    return rows.map((r) => ({
      openTime: Number(r.bucket),
      open: u.formatPrice(Number(r.open)),
      high: u.formatPrice(Number(r.high)),
      low: u.formatPrice(Number(r.low)),
      close: u.formatPrice(Number(r.close)),
      volume: formatAmount(BigInt(r.volume) * u.lotMinor, u.base),
      trades: Number(r.trades),
    }));
  }
}
