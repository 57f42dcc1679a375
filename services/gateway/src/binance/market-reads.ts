/**
 * The reads the Binance surface needs beyond MarketData and OrderReads, from the same projected
 * tables (trades, fills, book_levels): aggregated trades, klines with quote and taker-buy volumes,
 * the 24 h ticker with best levels, and an account's trades by id or time. Integer units in SQL,
 * formatted with the market's units on the way out.
 */
import type { Pool } from '@exchange/db';
import { ExactDecimal, formatAmount } from '@exchange/units';
import type { MarketEntry } from '../markets/registry';

const DAY = 86_400_000;

/** Binance's kline intervals with a fixed length; `offset` aligns weeks on Monday 00:00 UTC. */
export const KLINE_INTERVALS: Record<string, { ms: number; offset: number }> = {
  '1s': { ms: 1000, offset: 0 },
  '1m': { ms: 60_000, offset: 0 },
  '3m': { ms: 180_000, offset: 0 },
  '5m': { ms: 300_000, offset: 0 },
  '15m': { ms: 900_000, offset: 0 },
  '30m': { ms: 1_800_000, offset: 0 },
  '1h': { ms: 3_600_000, offset: 0 },
  '2h': { ms: 7_200_000, offset: 0 },
  '4h': { ms: 14_400_000, offset: 0 },
  '6h': { ms: 21_600_000, offset: 0 },
  '8h': { ms: 28_800_000, offset: 0 },
  '12h': { ms: 43_200_000, offset: 0 },
  '1d': { ms: DAY, offset: 0 },
  '3d': { ms: 3 * DAY, offset: 0 },
  '1w': { ms: 7 * DAY, offset: 4 * DAY },
};

export interface Window {
  fromId?: number;
  startTime?: number;
  endTime?: number;
  limit: number;
}

interface TradeRow {
  trade_id: string;
  price: string;
  qty: string;
  aggressor: 'buy' | 'sell';
  ts: string;
  taker: string | null;
}

const big = (v: string | null) => BigInt(v ?? '0');

/** The best bid and ask of a market ($1) with their quantities: CTEs and the columns that read them. */
const BEST_LEVELS_CTES = `b AS (SELECT price, qty FROM book_levels WHERE market = $1 AND side = 'buy' ORDER BY price DESC LIMIT 1),
  a AS (SELECT price, qty FROM book_levels WHERE market = $1 AND side = 'sell' ORDER BY price ASC LIMIT 1)`;
const BEST_LEVELS_COLUMNS =
  '(SELECT price FROM b) AS bid, (SELECT qty FROM b) AS bid_qty, (SELECT price FROM a) AS ask, (SELECT qty FROM a) AS ask_qty';
interface BestLevelsRow {
  bid: string | null;
  bid_qty: string | null;
  ask: string | null;
  ask_qty: string | null;
}

/** Ticks or lots as decimals, '0' where there is none (Binance's tickers never say null). */
function orZero(m: MarketEntry) {
  return {
    price: (v: string | null) => (v === null ? '0' : m.units.formatPrice(Number(v))),
    qty: (v: string | null) => (v === null ? '0' : m.units.formatQty(Number(v))),
  };
}

function bestLevels(m: MarketEntry, r: BestLevelsRow) {
  const { price, qty } = orZero(m);
  return { bidPrice: price(r.bid), bidQty: qty(r.bid_qty), askPrice: price(r.ask), askQty: qty(r.ask_qty) };
}

export class BinanceReads {
  constructor(private readonly pool: Pool) {}

  /** Consecutive trades of one taker order at one price, as one aggregate (id = its first trade id). */
  async aggTrades(m: MarketEntry, w: Window) {
    const ascending = w.fromId !== undefined || w.startTime !== undefined;
    const { rows } = await this.pool.query<TradeRow>(
      `SELECT t.trade_id, t.price, t.qty, t.aggressor, t.ts, f.order_id AS taker
         FROM trades t LEFT JOIN fills f ON f.market = t.market AND f.trade_id = t.trade_id AND f.role = 'taker'
        WHERE t.market = $1 AND ($2::bigint IS NULL OR t.trade_id >= $2)
          AND ($3::bigint IS NULL OR t.ts >= $3) AND ($4::bigint IS NULL OR t.ts <= $4)
        ORDER BY t.trade_id ${ascending ? 'ASC' : 'DESC'} LIMIT $5`,
      [m.symbol, w.fromId ?? null, w.startTime ?? null, w.endTime ?? null, w.limit],
    );
    if (!ascending) rows.reverse();
    const u = m.units;
    const out: Array<{ a: number; p: string; q: string; f: number; l: number; T: number; m: boolean; M: boolean }> = [];
    let prev: TradeRow | null = null;
    let lots = 0;
    for (const r of rows) {
      const last = out[out.length - 1];
      if (last && prev && r.taker !== null && r.taker === prev.taker && r.price === prev.price) {
        lots += Number(r.qty);
        last.q = u.formatQty(lots);
        last.l = Number(r.trade_id);
      } else {
        lots = Number(r.qty);
        out.push({
          a: Number(r.trade_id),
          p: u.formatPrice(Number(r.price)),
          q: u.formatQty(lots),
          f: Number(r.trade_id),
          l: Number(r.trade_id),
          T: Number(r.ts),
          m: r.aggressor === 'sell',
          M: true,
        });
      }
      prev = r;
    }
    return out;
  }

  async klines(m: MarketEntry, interval: { ms: number; offset: number }, w: Omit<Window, 'fromId'>) {
    const { ms, offset } = interval;
    const align = (t: number) => Math.floor((t - offset) / ms) * ms + offset;
    const ascending = w.startTime !== undefined;
    const { rows } = await this.pool.query<{
      t: string;
      o: string;
      h: string;
      l: string;
      c: string;
      v: string;
      qu: string;
      n: string;
      tbv: string | null;
      tbq: string | null;
    }>(
      `SELECT ((ts - $2) / $3) * $3 + $2 AS t,
         (array_agg(price ORDER BY trade_id ASC))[1] AS o, max(price) AS h, min(price) AS l,
         (array_agg(price ORDER BY trade_id DESC))[1] AS c, sum(qty) AS v, sum(price::numeric * qty) AS qu, count(*) AS n,
         sum(qty) FILTER (WHERE aggressor = 'buy') AS tbv, sum(price::numeric * qty) FILTER (WHERE aggressor = 'buy') AS tbq
       FROM trades WHERE market = $1 AND ts >= $4 AND ts < $5
       GROUP BY 1 ORDER BY 1 ${ascending ? 'ASC' : 'DESC'} LIMIT $6`,
      [
        m.symbol,
        offset,
        ms,
        w.startTime !== undefined ? align(w.startTime) : 0,
        w.endTime !== undefined ? align(w.endTime) + ms : Number.MAX_SAFE_INTEGER,
        w.limit,
      ],
    );
    if (!ascending) rows.reverse();
    const u = m.units;
    const base = (lots: string | null) => formatAmount(big(lots) * u.lotMinor, u.base);
    const quote = (units: string | null) => formatAmount(big(units) * u.tickLotMinor, u.quote);
    return rows.map((r) => [
      Number(r.t),
      u.formatPrice(Number(r.o)),
      u.formatPrice(Number(r.h)),
      u.formatPrice(Number(r.l)),
      u.formatPrice(Number(r.c)),
      base(r.v),
      Number(r.t) + ms - 1,
      quote(r.qu),
      Number(r.n),
      base(r.tbv),
      quote(r.tbq),
      '0',
    ]);
  }

  /** 24 h rolling ticker (window = the last 24 h of trades) with the best levels and their quantities. */
  async ticker24h(m: MarketEntry, now = Date.now()) {
    const since = now - DAY;
    const { rows } = await this.pool.query<
      BestLevelsRow & {
        open: string | null;
        prev_close: string | null;
        last: string | null;
        last_qty: string | null;
        high: string | null;
        low: string | null;
        volume: string | null;
        quote_units: string | null;
        n: string;
        first_id: string | null;
        last_id: string | null;
      }
    >(
      `WITH w AS (SELECT trade_id, price, qty FROM trades WHERE market = $1 AND ts >= $2),
         lt AS (SELECT price, qty FROM trades WHERE market = $1 ORDER BY trade_id DESC LIMIT 1),
         ${BEST_LEVELS_CTES}
       SELECT (SELECT price FROM w ORDER BY trade_id ASC LIMIT 1) AS open,
         (SELECT price FROM trades WHERE market = $1 AND ts < $2 ORDER BY trade_id DESC LIMIT 1) AS prev_close,
         (SELECT price FROM lt) AS last, (SELECT qty FROM lt) AS last_qty,
         (SELECT max(price) FROM w) AS high, (SELECT min(price) FROM w) AS low,
         (SELECT sum(qty) FROM w) AS volume, (SELECT sum(price::numeric * qty) FROM w) AS quote_units,
         (SELECT count(*) FROM w) AS n, (SELECT min(trade_id) FROM w) AS first_id, (SELECT max(trade_id) FROM w) AS last_id,
         ${BEST_LEVELS_COLUMNS}`,
      [m.symbol, since],
    );
    const r = rows[0]!;
    const u = m.units;
    const { price, qty } = orZero(m);
    let change = '0';
    let percent = '0.000';
    if (r.open !== null && r.last !== null) {
      const diff = Number(r.last) - Number(r.open);
      change = (diff < 0 ? '-' : '') + u.formatPrice(Math.abs(diff));
      percent = new ExactDecimal(diff).div(Number(r.open)).mul(100).toFixed(3);
    }
    const volumeLots = big(r.volume);
    const weightedAvg =
      volumeLots > 0n
        ? new ExactDecimal(big(r.quote_units).toString()).div(volumeLots.toString()).mul(m.config.tickSize).toFixed(8)
        : '0';
    return {
      symbol: m.symbol,
      priceChange: change,
      priceChangePercent: percent,
      weightedAvgPrice: weightedAvg,
      prevClosePrice: price(r.prev_close),
      lastPrice: price(r.last),
      lastQty: qty(r.last_qty),
      ...bestLevels(m, r),
      openPrice: price(r.open),
      highPrice: price(r.high),
      lowPrice: price(r.low),
      volume: formatAmount(volumeLots * u.lotMinor, u.base),
      quoteVolume: formatAmount(big(r.quote_units) * u.tickLotMinor, u.quote),
      openTime: since,
      closeTime: now,
      firstId: r.first_id === null ? -1 : Number(r.first_id),
      lastId: r.last_id === null ? -1 : Number(r.last_id),
      count: Number(r.n),
    };
  }

  /** GET /ticker/price: the last trade's price, '0' before the first trade (as ticker/24hr's lastPrice). */
  async lastPrice(m: MarketEntry) {
    const { rows } = await this.pool.query<{ price: string }>(
      'SELECT price FROM trades WHERE market = $1 ORDER BY trade_id DESC LIMIT 1',
      [m.symbol],
    );
    return { symbol: m.symbol, price: orZero(m).price(rows[0]?.price ?? null) };
  }

  /** GET /ticker/bookTicker: the best bid and ask with their quantities, '0' on an empty side. */
  async bookTicker(m: MarketEntry) {
    const { rows } = await this.pool.query<BestLevelsRow>(`WITH ${BEST_LEVELS_CTES} SELECT ${BEST_LEVELS_COLUMNS}`, [
      m.symbol,
    ]);
    return { symbol: m.symbol, ...bestLevels(m, rows[0]!) };
  }

  /** The account's fills in one market, oldest first (the newest `limit` unless a start is given). */
  async myTrades(accountId: number, m: MarketEntry, w: Window & { orderId?: number }) {
    const ascending = w.fromId !== undefined || w.startTime !== undefined;
    const { rows } = await this.pool.query<{
      trade_id: string;
      order_id: string;
      role: 'maker' | 'taker';
      side: 'buy' | 'sell';
      price: string;
      qty: string;
      fee: string;
      ts: string;
    }>(
      `SELECT trade_id, order_id, role, side, price, qty, fee, ts FROM fills
        WHERE account_id = $1 AND market = $2 AND ($3::bigint IS NULL OR order_id = $3)
          AND ($4::bigint IS NULL OR trade_id >= $4) AND ($5::bigint IS NULL OR ts >= $5) AND ($6::bigint IS NULL OR ts <= $6)
        ORDER BY trade_id ${ascending ? 'ASC' : 'DESC'} LIMIT $7`,
      [accountId, m.symbol, w.orderId ?? null, w.fromId ?? null, w.startTime ?? null, w.endTime ?? null, w.limit],
    );
    if (!ascending) rows.reverse();
    const u = m.units;
    return rows.map((r) => ({
      symbol: m.symbol,
      id: Number(r.trade_id),
      orderId: Number(r.order_id),
      orderListId: -1,
      price: u.formatPrice(Number(r.price)),
      qty: u.formatQty(Number(r.qty)),
      quoteQty: formatAmount(u.notionalMinor(Number(r.price), Number(r.qty)), u.quote),
      commission: formatAmount(BigInt(r.fee), u.quote),
      commissionAsset: u.quote.code,
      time: Number(r.ts),
      isBuyer: r.side === 'buy',
      isMaker: r.role === 'maker',
      isBestMatch: true,
    }));
  }
}
