/**
 * Cumulative depth for the depth chart. Plotting needs numbers, so this is the one place levels
 * become floats — for drawing only; nothing computed here is sent or shown as an amount.
 */
import type { L2Levels } from '@exchange/market-data';

export interface DepthPoint {
  price: number;
  /** Base quantity available at this price or better. */
  cumulative: number;
}

export interface DepthCurves {
  bids: DepthPoint[];
  asks: DepthPoint[];
}

/** Each side best first, cumulated outwards, at most `levels` per side. */
export function depthCurves(book: L2Levels, levels = 50): DepthCurves {
  const side = (lv: L2Levels['bids']): DepthPoint[] => {
    let cum = 0;
    return lv.slice(0, levels).map(([p, q]) => ({ price: Number(p), cumulative: (cum += Number(q)) }));
  };
  return { bids: side(book.bids), asks: side(book.asks) };
}
