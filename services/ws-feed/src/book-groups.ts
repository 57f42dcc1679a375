/**
 * Book subscribers of one market grouped by depth, so each delta is encoded once per depth (the
 * full-depth group gets the engine's message as published: not even re-encoded). A depth-D group
 * receives the changes of the top D levels of each side, including levels that enter or leave the
 * top D, so its clients hold exactly the top D; its `pu` is the `u` of the last delta the group
 * was sent (a group skips messages that change nothing within its depth).
 */
import { compareDecimal, type BookSnapshotMessage, type L2Book, type L2Levels } from '@exchange/market-data';
import type { MdBookMessage, MdLevel } from '@exchange/protocol';
import type { FeedConnection } from './connection';

export class BookGroup {
  readonly clients = new Set<FeedConnection>();
  /** `u` of the last delta sent to the group (or the seq of the last snapshot). */
  lastU: number;
  private lastTop: L2Levels | null;

  constructor(
    readonly depth: number,
    book: L2Book,
  ) {
    this.lastU = book.seq;
    this.lastTop = depth > 0 ? book.levels(depth) : null;
  }

  /** Re-bases the group on the book after a (re)sync. */
  reset(book: L2Book): void {
    this.lastU = book.seq;
    this.lastTop = this.depth > 0 ? book.levels(this.depth) : null;
  }

  /** The snapshot a subscriber of this depth receives (checksum over the top `checksumDepth`). */
  snapshot(symbol: string, book: L2Book, checksumDepth: number): BookSnapshotMessage {
    const levels = book.levels(this.depth > 0 ? this.depth : Infinity);
    const depth = this.depth > 0 ? Math.min(this.depth, checksumDepth) : checksumDepth;
    return {
      type: 'snapshot',
      market: symbol,
      lastUpdateId: book.seq,
      limit: this.depth,
      bids: levels.bids,
      asks: levels.asks,
      checksum: book.checksum(depth),
      depth,
    };
  }

  /**
   * The frame for this group after `msg` was applied to `book`: the raw message for the full
   * group, a re-cut delta for a depth group, or null when nothing within the depth changed.
   */
  delta(msg: MdBookMessage, raw: Buffer, book: L2Book): Buffer | null {
    if (this.depth === 0 || !this.lastTop) return raw;
    const top = book.levels(this.depth);
    const bids = diffSide(this.lastTop.bids, top.bids, true);
    const asks = diffSide(this.lastTop.asks, top.asks, false);
    this.lastTop = top;
    if (bids.length === 0 && asks.length === 0) return null;
    const reuse = msg.depth <= this.depth;
    const out: MdBookMessage = {
      type: 'book',
      market: msg.market,
      U: msg.U,
      u: msg.u,
      pu: this.lastU,
      bids,
      asks,
      checksum: reuse ? msg.checksum : book.checksum(this.depth),
      depth: reuse ? msg.depth : this.depth,
      ts: msg.ts,
    };
    this.lastU = msg.u;
    return Buffer.from(JSON.stringify(out));
  }
}

/** Changes from `before` to `after` (both best first): new or changed levels, and removed ones as "0". */
export function diffSide(before: readonly MdLevel[], after: readonly MdLevel[], descending: boolean): MdLevel[] {
  const out: MdLevel[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const b = before[i];
    const a = after[j];
    let c: number;
    if (!b) c = 1;
    else if (!a) c = -1;
    else {
      c = compareDecimal(b[0], a[0]);
      if (descending) c = -c;
    }
    if (c < 0) {
      out.push([b![0], '0']);
      i++;
    } else if (c > 0) {
      out.push(a!);
      j++;
    } else {
      if (b![1] !== a![1]) out.push(a!);
      i++;
      j++;
    }
  }
  return out;
}
