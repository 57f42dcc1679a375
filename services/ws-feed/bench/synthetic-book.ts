/**
 * Book messages for the benchmark, valid for a feed node: a small random L2 book around 100.00,
 * each message changing 1-3 levels near the top, with U = u = seq, pu = the previous u, the Kraken
 * checksum of the top 10, and `ts` = the publish time (ms since the epoch, sub-ms precision).
 */
import { L2Book } from '@exchange/market-data';
import type { MdBookMessage } from '@exchange/protocol';

export class SyntheticBook {
  private readonly book = new L2Book();
  private seq = 0;
  private rnd: () => number;

  constructor(
    private readonly market: string,
    seed = 1,
  ) {
    let a = seed >>> 0;
    this.rnd = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  next(now: number): string {
    const bids: Array<[string, string]> = [];
    const asks: Array<[string, string]> = [];
    const changes = 1 + Math.floor(this.rnd() * 3);
    for (let k = 0; k < changes; k++) {
      const buy = this.rnd() < 0.5;
      const off = 1 + Math.floor(this.rnd() * 30);
      const ticks = buy ? 10_000 - off : 10_000 + off;
      const price = `${Math.floor(ticks / 100)}.${String(ticks % 100).padStart(2, '0')}`.replace(/\.?0+$/, '');
      const qty = this.rnd() < 0.2 ? '0' : String(1 + Math.floor(this.rnd() * 500) / 100);
      const side = buy ? bids : asks;
      if (side.some(([p]) => p === price)) continue;
      side.push([price, qty]);
      this.book.set(buy ? 'bids' : 'asks', price, qty);
    }
    const pu = this.seq;
    this.seq++;
    const msg: MdBookMessage = {
      type: 'book',
      market: this.market,
      U: this.seq,
      u: this.seq,
      pu,
      bids,
      asks,
      checksum: this.book.checksum(10),
      depth: 10,
      ts: now,
    };
    return JSON.stringify(msg);
  }
}
