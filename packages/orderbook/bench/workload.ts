/**
 * Seeded workload generator. Everything both books are fed is built here once, before any timing:
 * our command objects, the peer's option objects and its id strings. A reference model (model.ts)
 * runs alongside so every cancel names an order that is still resting, limits land near the
 * current touch, and the trades and final book both books must reproduce are known up front.
 */
import { Side, type LimitOrderOptions, type MarketOrderOptions } from 'nodejs-order-book';
import type { BookCommand, PlaceOrder } from '../src/types';
import { BUY, ModelOrder, RefBook, SELL, type RestingRow } from './model';

export const LIMIT = 0;
export const CANCEL = 1;
export const MARKET = 2;

/** What the peer is called with: limit and market options, or the id string to cancel. */
export type PeerArg = LimitOrderOptions | MarketOrderOptions | string;

export interface WorkloadSpec {
  name: string;
  seed: number;
  /** Commands in the measured part. */
  ops: number;
  /** Resting orders placed by the untimed prefill; market sizes steer the book back towards it. */
  resting: number;
  /** Non-marketable limits rest 0..band-1 ticks behind the touch: floor(band * u^skew), u uniform. */
  band: number;
  /** 1 is uniform over the band; larger crowds orders towards the touch. */
  skew: number;
  /** Share of limit orders priced through the touch (marketable). */
  crossProb: number;
}

export interface Workload {
  spec: WorkloadSpec;
  /** Prefill, applied untimed to a fresh book before every pass. */
  setupOurs: PlaceOrder[];
  setupPeer: LimitOrderOptions[];
  kinds: Uint8Array;
  ours: BookCommand[];
  peer: PeerArg[];
  counts: { limit: number; cancel: number; market: number; marketableLimits: number; marketsNotFilled: number };
  /** What the reference model saw during the measured part, and the book it left. */
  expected: {
    trades: number;
    volume: number;
    resting: RestingRow[];
    bidLevels: number;
    askLevels: number;
    bestBid: number;
    bestAsk: number;
  };
  /** Shape of the book over the measured part, sampled after every command. */
  shape: { meanResting: number; minResting: number; maxResting: number; meanSpreadTicks: number };
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MID = 1_000_000; // starting mid price in ticks
const TS0 = 1_700_000_000_000; // command timestamps are TS0 + a counter; nothing reads a clock
const ACCOUNTS = 4;
const MAX_LIMIT_QTY = 100;
const MEAN_LIMIT_QTY = (1 + MAX_LIMIT_QTY) / 2;
/** At target size a market order is sized to take about this many resting orders. */
const MARKET_DEPTH_AT_TARGET = 3;

export function generate(spec: WorkloadSpec): Workload {
  const rnd = mulberry32(spec.seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const model = new RefBook();
  let orderId = 0;
  let ts = TS0;

  const newLimit = (side: number, price: number, qty: number): { ours: PlaceOrder; peer: LimitOrderOptions } => {
    const id = ++orderId;
    const accountId = int(1, ACCOUNTS);
    const idStr = String(id);
    model.limit(new ModelOrder(id, idStr, accountId, side, price, qty));
    return {
      ours: {
        type: 'place',
        ts: ++ts,
        orderId: id,
        accountId,
        side: side === BUY ? 'buy' : 'sell',
        orderType: 'limit',
        price,
        qty,
        tif: 'GTC',
        stp: 'none',
      },
      peer: { side: side === BUY ? Side.BUY : Side.SELL, id: idStr, size: qty, price },
    };
  };

  // Prefill: non-crossing limits spread over the band on both sides of MID.
  const setupOurs: PlaceOrder[] = [];
  const setupPeer: LimitOrderOptions[] = [];
  for (let i = 0; i < spec.resting; i++) {
    const side = i % 2 === 0 ? BUY : SELL;
    const offset = 1 + Math.floor(spec.band * rnd() ** spec.skew);
    const c = newLimit(side, side === BUY ? MID - offset : MID + offset, int(1, MAX_LIMIT_QTY));
    setupOurs.push(c.ours);
    setupPeer.push(c.peer);
  }
  const tradesBefore = model.trades;
  const volumeBefore = model.volume;

  const kinds = new Uint8Array(spec.ops);
  const ours: BookCommand[] = new Array(spec.ops);
  const peer: PeerArg[] = new Array(spec.ops);
  const counts = { limit: 0, cancel: 0, market: 0, marketableLimits: 0, marketsNotFilled: 0 };
  let restingSum = 0;
  let minResting = Infinity;
  let maxResting = 0;
  let spreadSum = 0;
  let spreadN = 0;
  for (let i = 0; i < spec.ops; i++) {
    const n = model.live.length;
    restingSum += n;
    if (n < minResting) minResting = n;
    if (n > maxResting) maxResting = n;
    if (model.best[BUY] !== 0 && model.best[SELL] !== 0) {
      spreadSum += model.best[SELL] - model.best[BUY];
      spreadN++;
    }
    const r = rnd();
    if (r < 0.3 && model.live.length > 0) {
      const target = model.live[Math.floor(rnd() * model.live.length)]!;
      model.cancel(target);
      kinds[i] = CANCEL;
      ours[i] = { type: 'cancel', ts: ++ts, accountId: target.accountId, orderId: target.id };
      peer[i] = target.idStr;
      counts.cancel++;
    } else if (r < 0.4) {
      const side = rnd() < 0.5 ? BUY : SELL;
      // Feedback keeps the book near its target size: a bigger book meets bigger market orders.
      const fullness = model.live.length / spec.resting;
      const depth = Math.min(40, Math.max(0.25, MARKET_DEPTH_AT_TARGET * fullness * fullness));
      const qty = int(1, Math.max(1, Math.round(2 * depth * MEAN_LIMIT_QTY)));
      const id = ++orderId;
      if (model.market(side, qty) > 0) counts.marketsNotFilled++; // ran out of book
      kinds[i] = MARKET;
      ours[i] = {
        type: 'place',
        ts: ++ts,
        orderId: id,
        accountId: int(1, ACCOUNTS),
        side: side === BUY ? 'buy' : 'sell',
        orderType: 'market',
        qty,
        tif: 'IOC',
        stp: 'none',
      };
      peer[i] = { side: side === BUY ? Side.BUY : Side.SELL, size: qty };
      counts.market++;
    } else {
      const side = rnd() < 0.5 ? BUY : SELL;
      const [bid, ask] = model.best;
      // The touch this order is measured from: the other side's best, else just past its own side.
      const opposite = side === BUY ? ask : bid;
      const own = side === BUY ? bid : ask;
      const dir = side === BUY ? 1 : -1; // +1: a higher price is more aggressive
      let price: number;
      if (opposite !== 0 && rnd() < spec.crossProb) {
        price = opposite + dir * int(0, 2);
        counts.marketableLimits++;
      } else {
        const touch = opposite !== 0 ? opposite : own !== 0 ? own + dir : MID;
        price = touch - dir * (1 + Math.floor(spec.band * rnd() ** spec.skew));
      }
      const c = newLimit(side, price, int(1, MAX_LIMIT_QTY));
      kinds[i] = LIMIT;
      ours[i] = c.ours;
      peer[i] = c.peer;
      counts.limit++;
    }
  }
  return {
    spec,
    setupOurs,
    setupPeer,
    kinds,
    ours,
    peer,
    counts,
    expected: {
      trades: model.trades - tradesBefore,
      volume: model.volume - volumeBefore,
      resting: model.resting(),
      bidLevels: model.levelCount(BUY),
      askLevels: model.levelCount(SELL),
      bestBid: model.best[BUY],
      bestAsk: model.best[SELL],
    },
    shape: {
      meanResting: restingSum / spec.ops,
      minResting,
      maxResting,
      meanSpreadTicks: spreadN > 0 ? spreadSum / spreadN : NaN,
    },
  };
}
