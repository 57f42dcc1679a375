/** Our book driven through book.apply(cmd) with the pre-built PlaceOrder / CancelOrder commands. */
import { OrderBook } from '../src';
import type { BookCommand } from '../src/types';
import type { RestingRow } from './model';
import type { Counted } from './peer';
import type { Workload } from './workload';

export function newOurBook(w: Workload): OrderBook {
  const book = new OrderBook({ symbol: 'BENCH' });
  for (const c of w.setupOurs) book.apply(c);
  return book;
}

/** The timed loop: nothing but apply(), plus a cheap sink so the results are used. */
export function runOurs(book: OrderBook, cmds: BookCommand[]): number {
  let sink = 0;
  for (let i = 0; i < cmds.length; i++) sink += book.apply(cmds[i]!).length;
  return sink;
}

/** Per-command latency: raw hrtime stamps go into preallocated arrays; differences are taken afterwards. */
export function runOursTimed(book: OrderBook, cmds: BookCommand[], starts: BigInt64Array, ends: BigInt64Array): number {
  const hr = process.hrtime.bigint;
  let sink = 0;
  for (let i = 0; i < cmds.length; i++) {
    const t0 = hr();
    sink += book.apply(cmds[i]!).length;
    const t1 = hr();
    starts[i] = t0;
    ends[i] = t1;
  }
  return sink;
}

/** Untimed sanity pass: counts trade events and traded lots, and rejections (there should be none). */
export function runOursCounted(book: OrderBook, cmds: BookCommand[]): Counted {
  const c: Counted = { trades: 0, volume: 0, errors: 0, missedCancels: 0 };
  for (const cmd of cmds) {
    for (const e of book.apply(cmd)) {
      if (e.type === 'trade') {
        c.trades++;
        c.volume += e.qty;
      } else if (e.type === 'rejected') {
        c.errors++;
        if (cmd.type === 'cancel') c.missedCancels++;
      }
    }
  }
  return c;
}

export function ourResting(book: OrderBook): RestingRow[] {
  const { bids, asks } = book.l3();
  return [...bids, ...asks].map((o): RestingRow => [o.price, o.orderId, o.remaining]);
}

export function ourLevels(book: OrderBook): { bids: number; asks: number } {
  const { bids, asks } = book.l2();
  return { bids: bids.length, asks: asks.length };
}

/** Places n non-crossing resting limits, building each command inside the loop so it becomes garbage. */
export function fillOurs(n: number, levelsPerSide: number, mid: number): OrderBook {
  const book = new OrderBook({ symbol: 'BENCH' });
  for (let i = 0; i < n; i++) {
    const buy = (i & 1) === 0;
    const off = 1 + ((i >> 1) % levelsPerSide);
    book.apply({
      type: 'place',
      ts: 1_700_000_000_000 + i,
      orderId: i + 1,
      accountId: 1 + (i & 3),
      side: buy ? 'buy' : 'sell',
      orderType: 'limit',
      price: buy ? mid - off : mid + off,
      qty: 1 + (i % 100),
      tif: 'GTC',
      stp: 'none',
    });
  }
  return book;
}
