/**
 * nodejs-order-book driven through its natural API: limit({ side, id, size, price }),
 * market({ side, size }), cancel(id). Ids are strings (pre-built by the workload); it stamps
 * resting orders with Date.now() itself, which is part of its cost and is left in.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { OrderBook, Side, type LimitOrderOptions, type MarketOrderOptions } from 'nodejs-order-book';
import type { RestingRow } from './model';
import { CANCEL, LIMIT, type Workload } from './workload';

export const PEER_VERSION: string = (
  JSON.parse(readFileSync(createRequire(import.meta.url).resolve('nodejs-order-book/package.json'), 'utf8')) as {
    version: string;
  }
).version;

export function newPeerBook(w: Workload): OrderBook {
  const ob = new OrderBook();
  for (const o of w.setupPeer) ob.limit(o);
  return ob;
}

/** The timed loop: nothing but the calls, plus a cheap sink so the results are used. */
export function runPeer(ob: OrderBook, w: Workload): number {
  const { kinds, peer } = w;
  let sink = 0;
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i];
    if (k === LIMIT) sink += ob.limit(peer[i] as LimitOrderOptions).done.length;
    else if (k === CANCEL) sink += ob.cancel(peer[i] as string) === undefined ? 0 : 1;
    else sink += ob.market(peer[i] as MarketOrderOptions).done.length;
  }
  return sink;
}

export interface Counted {
  trades: number;
  volume: number;
  /** Rejected commands (ours) / responses with err set (peer). */
  errors: number;
  /** Cancels that found nothing to cancel. */
  missedCancels: number;
}

/**
 * Untimed sanity pass. The peer reports fills per call, not per trade: `done` holds the makers it
 * filled completely (plus the taker itself when a limit filled completely) and `partial` the maker
 * left partly filled, if any; a taker's own fill is size - quantityLeft.
 */
export function runPeerCounted(ob: OrderBook, w: Workload): Counted {
  const { kinds, peer } = w;
  const c: Counted = { trades: 0, volume: 0, errors: 0, missedCancels: 0 };
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i];
    const arg = peer[i]!;
    if (k === CANCEL) {
      if (ob.cancel(arg as string) === undefined) c.missedCancels++;
      continue;
    }
    const o = arg as LimitOrderOptions;
    const r = k === LIMIT ? ob.limit(o) : ob.market(o);
    if (r.err) c.errors++;
    const filled = o.size - r.quantityLeft;
    c.volume += filled;
    const takerDone = k === LIMIT && r.quantityLeft === 0 ? 1 : 0;
    const makerPartial = r.quantityLeft === 0 && r.partial !== null && r.partial.id !== o.id ? 1 : 0;
    c.trades += r.done.length - takerDone + makerPartial;
  }
  return c;
}

/** Resting orders as [price, id, open qty], bids best first then asks best first (public snapshot()). */
export function peerResting(ob: OrderBook): RestingRow[] {
  const snap = ob.snapshot();
  const rows: RestingRow[] = [];
  for (const levels of [snap.bids, snap.asks]) {
    for (const level of levels) for (const o of level.orders) rows.push([level.price, Number(o.id), o.size]);
  }
  return rows;
}

/** Places n non-crossing resting limits (ids built in the loop, as a caller would). */
export function fillPeer(n: number, levelsPerSide: number, mid: number): OrderBook {
  const ob = new OrderBook();
  for (let i = 0; i < n; i++) {
    const buy = (i & 1) === 0;
    const off = 1 + ((i >> 1) % levelsPerSide);
    ob.limit({
      side: buy ? Side.BUY : Side.SELL,
      id: String(i + 1),
      size: 1 + (i % 100),
      price: buy ? mid - off : mid + off,
    });
  }
  return ob;
}
