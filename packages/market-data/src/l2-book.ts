import type { MdLevel } from '@exchange/protocol';
import { bookChecksum } from './checksum';
import { compareDecimal, isZeroDecimal } from './decimal';

export type BookSide = 'bids' | 'asks';

/** Top levels of both sides, best first. */
export interface L2Levels {
  bids: MdLevel[];
  asks: MdLevel[];
}

/**
 * One side of an L2 book keyed by exact decimal price strings: a price → qty map plus the prices in
 * best-first order (binary search; inserts and deletes shift the array, which for books of a few
 * thousand levels is a memmove and cheaper than a tree).
 */
class Side {
  private readonly qty = new Map<string, string>();
  private readonly prices: string[] = [];

  constructor(private readonly descending: boolean) {}

  get size(): number {
    return this.prices.length;
  }

  /** Index of `price` in best-first order, or where it would go (as -(i + 1)). */
  private find(price: string): number {
    let lo = 0;
    let hi = this.prices.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      let c = compareDecimal(this.prices[mid]!, price);
      if (this.descending) c = -c;
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid - 1;
      else return mid;
    }
    return -(lo + 1);
  }

  set(price: string, qty: string): void {
    if (isZeroDecimal(qty)) {
      if (!this.qty.delete(price)) return;
      const i = this.find(price);
      if (i >= 0) this.prices.splice(i, 1);
      return;
    }
    if (this.qty.has(price)) {
      this.qty.set(price, qty);
      return;
    }
    this.qty.set(price, qty);
    const i = this.find(price);
    this.prices.splice(i < 0 ? -i - 1 : i, 0, price);
  }

  get(price: string): string | undefined {
    return this.qty.get(price);
  }

  /** Rank of a price (0 = best), or -1 when it has no level. */
  rank(price: string): number {
    if (!this.qty.has(price)) return -1;
    return this.find(price);
  }

  top(depth: number): MdLevel[] {
    const n = Math.min(depth, this.prices.length);
    const out = new Array<MdLevel>(n);
    for (let i = 0; i < n; i++) {
      const p = this.prices[i]!;
      out[i] = [p, this.qty.get(p)!];
    }
    return out;
  }

  clear(): void {
    this.qty.clear();
    this.prices.length = 0;
  }
}

/**
 * An L2 book of decimal strings, as the feed publishes it: absolute level quantities, "0" deletes.
 * Pure and synchronous, so a reader can take `levels()` and `seq` together atomically.
 */
export class L2Book {
  private readonly sides = { bids: new Side(true), asks: new Side(false) };
  /** The engine seq the book is current as of. */
  seq = 0;

  static from(snapshot: L2Levels, seq: number): L2Book {
    const b = new L2Book();
    b.reset(snapshot, seq);
    return b;
  }

  reset(snapshot: L2Levels, seq: number): void {
    this.sides.bids.clear();
    this.sides.asks.clear();
    for (const [p, q] of snapshot.bids) this.sides.bids.set(p, q);
    for (const [p, q] of snapshot.asks) this.sides.asks.set(p, q);
    this.seq = seq;
  }

  set(side: BookSide, price: string, qty: string): void {
    this.sides[side].set(price, qty);
  }

  /** Applies changed levels (absolute quantities). Does not touch `seq`. */
  apply(bids: readonly MdLevel[], asks: readonly MdLevel[]): void {
    for (const [p, q] of bids) this.sides.bids.set(p, q);
    for (const [p, q] of asks) this.sides.asks.set(p, q);
  }

  get(side: BookSide, price: string): string | undefined {
    return this.sides[side].get(price);
  }

  rank(side: BookSide, price: string): number {
    return this.sides[side].rank(price);
  }

  depthOf(side: BookSide): number {
    return this.sides[side].size;
  }

  /** Top `depth` levels of each side, best first (all levels with Infinity). */
  levels(depth = Infinity): L2Levels {
    return { bids: this.sides.bids.top(depth), asks: this.sides.asks.top(depth) };
  }

  /** Kraken CRC32 of the top `depth` levels. */
  checksum(depth: number): number {
    return bookChecksum(this.sides.asks.top(depth), this.sides.bids.top(depth));
  }
}
