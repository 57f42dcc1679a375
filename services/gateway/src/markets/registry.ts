import { MARKET_CONFIG_SELECT, marketConfigOf, type MarketConfigRow, type Pool } from '@exchange/db';
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

/** Markets from Postgres, compiled once; a miss re-reads (at most once a second) so new markets appear. */
export class MarketRegistry {
  private markets = new Map<string, MarketEntry>();
  private lastLoad = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly pool: Pool) {}

  async load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const { rows } = await this.pool.query<MarketConfigRow>(MARKET_CONFIG_SELECT);
        const next = new Map<string, MarketEntry>();
        for (const row of rows) {
          const old = this.markets.get(row.symbol);
          if (old) {
            next.set(row.symbol, { ...old, status: row.status });
            continue;
          }
          const config = marketConfigOf(row);
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
