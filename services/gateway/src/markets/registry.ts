import type { Pool } from '@exchange/db';
import { MarketBook, type MarketConfig } from '@exchange/matching';
import type { Market as UnitsMarket } from '@exchange/units';
import type { Market as ApiMarket } from '@exchange/client';

/** One market as the gateway needs it: its units (parse and format) and a book used only to validate commands. */
export interface MarketEntry {
  symbol: string;
  config: MarketConfig;
  units: UnitsMarket;
  /** Never applied to: MarketBook.toBookCommand is the engine's own decimal → units conversion. */
  validator: MarketBook;
  status: 'trading' | 'halted';
}

interface Row {
  symbol: string;
  base: string;
  quote: string;
  base_decimals: number;
  quote_decimals: number;
  tick_size: string;
  lot_size: string;
  min_qty: string;
  min_notional: string;
  maker_fee_bps: number;
  taker_fee_bps: number;
  max_open_orders: number | null;
  status: 'trading' | 'halted';
}

const SELECT = `SELECT m.symbol, m.base, m.quote, b.decimals AS base_decimals, q.decimals AS quote_decimals,
  m.tick_size, m.lot_size, m.min_qty, m.min_notional, m.maker_fee_bps, m.taker_fee_bps, m.max_open_orders, m.status
  FROM markets m JOIN assets b ON b.code = m.base JOIN assets q ON q.code = m.quote`;

export function configOf(row: Row): MarketConfig {
  return {
    symbol: row.symbol,
    base: { code: row.base, decimals: row.base_decimals },
    quote: { code: row.quote, decimals: row.quote_decimals },
    tickSize: row.tick_size,
    lotSize: row.lot_size,
    minQty: row.min_qty,
    minNotional: row.min_notional,
    makerFeeBps: row.maker_fee_bps,
    takerFeeBps: row.taker_fee_bps,
    ...(row.max_open_orders !== null && { maxOpenOrdersPerAccount: row.max_open_orders }),
  };
}

/** Markets from Postgres, compiled once; a miss re-reads (at most once a second) so new markets appear. */
export class MarketRegistry {
  private markets = new Map<string, MarketEntry>();
  private lastLoad = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly pool: Pool) {}

  async load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const { rows } = await this.pool.query<Row>(SELECT);
        const next = new Map<string, MarketEntry>();
        for (const row of rows) {
          const old = this.markets.get(row.symbol);
          if (old) {
            next.set(row.symbol, { ...old, status: row.status });
            continue;
          }
          const config = configOf(row);
          const validator = new MarketBook(config);
          next.set(row.symbol, { symbol: row.symbol, config, units: validator.market, validator, status: row.status });
        }
        this.markets = next;
        this.lastLoad = Date.now();
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** The market, or undefined (after one re-read if the last is more than a second old). */
  async get(symbol: string): Promise<MarketEntry | undefined> {
    const hit = this.markets.get(symbol);
    if (hit || Date.now() - this.lastLoad < 1000) return hit;
    await this.load();
    return this.markets.get(symbol);
  }

  /** Synchronous lookup among the markets already loaded. */
  known(symbol: string): MarketEntry | undefined {
    return this.markets.get(symbol);
  }

  all(): MarketEntry[] {
    return [...this.markets.values()].sort((a, b) => a.symbol.localeCompare(b.symbol));
  }
}

export function toApiMarket(m: MarketEntry): ApiMarket {
  const c = m.config;
  return {
    symbol: c.symbol,
    base: c.base.code,
    quote: c.quote.code,
    baseDecimals: c.base.decimals,
    quoteDecimals: c.quote.decimals,
    tickSize: c.tickSize,
    lotSize: c.lotSize,
    minQty: c.minQty,
    minNotional: c.minNotional,
    makerFeeBps: c.makerFeeBps,
    takerFeeBps: c.takerFeeBps,
    maxOpenOrders: c.maxOpenOrdersPerAccount ?? null,
    status: m.status,
  };
}
