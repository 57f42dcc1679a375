/**
 * The node's markets, created on first use: the spec from Postgres (markets + assets), compiled by
 * @exchange/units, then a MarketFeed that subscribes to md:{market} and loads the archive. Unknown
 * symbols are remembered briefly so a client cannot make the node query Postgres in a loop.
 */
import { MARKET_CONFIG_SELECT, marketConfigOf, type MarketConfigRow, type Pool } from '@exchange/db';
import { compileMarket, type Market } from '@exchange/units';
import type { Logger } from '@exchange/service-kit';
import { MarketFeed, type MarketFeedDeps } from './market-feed';

const UNKNOWN_TTL_MS = 5_000;

export async function loadMarket(pool: Pool, symbol: string): Promise<Market | null> {
  const { rows } = await pool.query<MarketConfigRow>(`${MARKET_CONFIG_SELECT} WHERE m.symbol = $1`, [symbol]);
  return rows[0] ? compileMarket(marketConfigOf(rows[0])) : null;
}

export class MarketRegistry {
  private readonly feeds = new Map<string, Promise<MarketFeed | null>>();
  private readonly unknownAt = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    private readonly deps: MarketFeedDeps,
    private readonly log: Logger,
  ) {}

  /** The market's feed (started), or null for a symbol that is not a market. */
  get(symbol: string): Promise<MarketFeed | null> {
    const existing = this.feeds.get(symbol);
    if (existing) return existing;
    const at = this.unknownAt.get(symbol);
    if (at !== undefined && Date.now() - at < UNKNOWN_TTL_MS) return Promise.resolve(null);
    const created = this.create(symbol);
    this.feeds.set(symbol, created);
    created.then(
      (feed) => {
        if (!feed) {
          this.feeds.delete(symbol);
          if (this.unknownAt.size > 10_000) this.unknownAt.clear();
          this.unknownAt.set(symbol, Date.now());
        }
      },
      () => this.feeds.delete(symbol),
    );
    return created;
  }

  private async create(symbol: string): Promise<MarketFeed | null> {
    const market = await loadMarket(this.pool, symbol);
    if (!market) return null;
    const feed = new MarketFeed(market, this.deps);
    await feed.start();
    this.log.info({ market: symbol }, 'market feed started');
    return feed;
  }

  /** Feeds already started (for resync after a Redis reconnect and for readiness). */
  async started(): Promise<MarketFeed[]> {
    const all = await Promise.all([...this.feeds.values()].map((p) => p.catch(() => null)));
    return all.filter((f): f is MarketFeed => f !== null);
  }

  async stop(): Promise<void> {
    for (const f of await this.started()) await f.stop().catch(() => undefined);
    this.feeds.clear();
  }
}
