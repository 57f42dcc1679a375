import type { MarketConfig } from '@exchange/matching';

/**
 * A market's configuration as every service reads it: the `markets` row joined with its two
 * assets' decimals. Callers append their own WHERE and ORDER BY (`m` is the markets row).
 */
export const MARKET_CONFIG_SELECT = `SELECT m.symbol, m.base, m.quote, b.decimals AS base_decimals,
  q.decimals AS quote_decimals, m.tick_size, m.lot_size, m.min_qty, m.min_notional, m.maker_fee_bps,
  m.taker_fee_bps, m.max_open_orders, m.status
  FROM markets m JOIN assets b ON b.code = m.base JOIN assets q ON q.code = m.quote`;

export interface MarketConfigRow {
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

export function marketConfigOf(r: MarketConfigRow): MarketConfig {
  return {
    symbol: r.symbol,
    base: { code: r.base, decimals: r.base_decimals },
    quote: { code: r.quote, decimals: r.quote_decimals },
    tickSize: r.tick_size,
    lotSize: r.lot_size,
    minQty: r.min_qty,
    minNotional: r.min_notional,
    makerFeeBps: r.maker_fee_bps,
    takerFeeBps: r.taker_fee_bps,
    ...(r.max_open_orders !== null && { maxOpenOrdersPerAccount: r.max_open_orders }),
  };
}
