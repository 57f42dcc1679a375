import type { OrderType, PlaceTerms, Side, StpMode, TimeInForce } from './types';

const SIDES: ReadonlySet<unknown> = new Set<Side>(['buy', 'sell']);
const ORDER_TYPES: ReadonlySet<unknown> = new Set<OrderType>(['limit', 'market', 'stop_limit', 'stop_market']);
const TIFS: ReadonlySet<unknown> = new Set<TimeInForce>(['GTC', 'IOC', 'FOK']);
const STP_MODES: ReadonlySet<unknown> = new Set<StpMode>([
  'none',
  'cancel_newest',
  'cancel_oldest',
  'cancel_both',
  'decrement_and_cancel',
]);

/**
 * The terms of a place command, each only when it is well-typed: a refused command may be
 * malformed, and an event must never carry a value outside its type.
 */
export function placeTermsOf(cmd: unknown): PlaceTerms {
  const c = (typeof cmd === 'object' && cmd !== null ? cmd : {}) as Record<string, unknown>;
  const terms: PlaceTerms = {};
  if (SIDES.has(c.side)) terms.side = c.side as Side;
  if (ORDER_TYPES.has(c.orderType)) terms.orderType = c.orderType as OrderType;
  if (TIFS.has(c.tif)) terms.tif = c.tif as TimeInForce;
  if (typeof c.postOnly === 'boolean') terms.postOnly = c.postOnly;
  if (STP_MODES.has(c.stp)) terms.stp = c.stp as StpMode;
  return terms;
}
