import { MARKET_CONFIG_SELECT, marketConfigOf, type MarketConfigRow, type Pool } from '@exchange/db';
import type { FeeSchedule } from '@exchange/ledger';
import type { MarketConfig } from '@exchange/matching';
import { compileMarket, type Market } from '@exchange/units';
import { BalanceError } from './errors';

/** A market as the balance manager needs it: its units and its fee schedule. */
export interface MarketContext {
  symbol: string;
  market: Market;
  fees: FeeSchedule;
  config: MarketConfig;
}

export function marketContext(config: MarketConfig): MarketContext {
  return {
    symbol: config.symbol,
    market: compileMarket(config),
    fees: { makerBps: config.makerFeeBps, takerBps: config.takerFeeBps },
    config,
  };
}

/**
 * Reads markets from the `markets` table (all of them, or the given symbols; an unknown symbol is an
 * error). Fee changes take effect for orders locked after the next (re)load: each order keeps the
 * rates it was locked with (ADR 0031).
 */
export async function loadMarkets(pool: Pool, symbols?: readonly string[]): Promise<Map<string, MarketContext>> {
  const { rows } = await pool.query<MarketConfigRow>(
    `${MARKET_CONFIG_SELECT} WHERE $1::text[] IS NULL OR m.symbol = ANY($1) ORDER BY m.symbol`,
    [symbols ?? null],
  );
  const out = new Map<string, MarketContext>();
  for (const r of rows) out.set(r.symbol, marketContext(marketConfigOf(r)));
  for (const s of symbols ?? []) {
    if (!out.has(s)) throw new BalanceError('UNKNOWN_MARKET', `market ${s} is not in the markets table`, { market: s });
  }
  return out;
}

/** Decimals of every asset, for formatting amounts. */
export async function loadAssetDecimals(pool: Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ code: string; decimals: number }>('SELECT code, decimals FROM assets');
  return new Map(rows.map((r) => [r.code, r.decimals]));
}
