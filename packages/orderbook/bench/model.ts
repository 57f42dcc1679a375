/**
 * A deliberately small, independent price-time FIFO book used only while generating the workload
 * (never timed). It tells the generator which orders are still resting (so every cancel targets a
 * live order) and where the touch is (so limits land near it), and it predicts the trades, traded
 * volume and final resting state that both real books must reproduce.
 */

export const BUY = 0;
export const SELL = 1;

export class ModelOrder {
  /** Index in RefBook.live while resting, -1 otherwise. */
  livePos = -1;
  constructor(
    readonly id: number,
    readonly idStr: string,
    readonly accountId: number,
    readonly side: number,
    readonly price: number,
    /** Open quantity; 0 once filled or canceled. */
    public qty: number,
  ) {}
}

class ModelLevel {
  queue: ModelOrder[] = [];
  head = 0;
  live = 0;
}

/** One resting order as [price, id, open qty], bids best first then asks best first. */
export type RestingRow = [price: number, id: number, qty: number];

export class RefBook {
  private readonly sides: [Map<number, ModelLevel>, Map<number, ModelLevel>] = [new Map(), new Map()];
  /** Best bid and best ask price; 0 when that side is empty. */
  readonly best: [number, number] = [0, 0];
  /** Resting orders in no particular order, for O(1) uniform picks. */
  readonly live: ModelOrder[] = [];
  trades = 0;
  volume = 0;

  levelCount(side: number): number {
    return this.sides[side]!.size;
  }

  /** Runs a limit order: matches what crosses, rests the rest. */
  limit(order: ModelOrder): void {
    order.qty = this.take(order.side, order.qty, order.price);
    if (order.qty > 0) this.rest(order);
  }

  /** A market order: matches until filled or the other side is empty; returns the unfilled rest (dropped). */
  market(side: number, qty: number): number {
    return this.take(side, qty, 0);
  }

  cancel(order: ModelOrder): void {
    const level = this.sides[order.side]!.get(order.price)!;
    order.qty = 0;
    level.live--;
    this.dropLive(order);
    if (level.live === 0) this.removeLevel(order.side, order.price);
  }

  /** Resting orders in priority order: bids best first, then asks best first. */
  resting(): RestingRow[] {
    const rows: RestingRow[] = [];
    for (const side of [BUY, SELL]) {
      const prices = [...this.sides[side]!.keys()].sort((a, b) => (side === BUY ? b - a : a - b));
      for (const price of prices) {
        const level = this.sides[side]!.get(price)!;
        for (let i = level.head; i < level.queue.length; i++) {
          const o = level.queue[i]!;
          if (o.qty > 0) rows.push([price, o.id, o.qty]);
        }
      }
    }
    return rows;
  }

  /** limit 0 means no limit (market). Returns the unfilled quantity. */
  private take(side: number, qty: number, limit: number): number {
    const opp = 1 - side;
    const book = this.sides[opp]!;
    while (qty > 0) {
      const price = this.best[opp]!;
      if (price === 0) break;
      if (limit !== 0 && (side === BUY ? price > limit : price < limit)) break;
      const level = book.get(price)!;
      while (qty > 0 && level.live > 0) {
        const maker = level.queue[level.head]!;
        if (maker.qty === 0) {
          level.head++; // canceled earlier
          continue;
        }
        const fill = maker.qty < qty ? maker.qty : qty;
        maker.qty -= fill;
        qty -= fill;
        this.trades++;
        this.volume += fill;
        if (maker.qty === 0) {
          level.head++;
          level.live--;
          this.dropLive(maker);
        }
      }
      if (level.live === 0) this.removeLevel(opp, price);
      else if (level.head > 64 && level.head * 2 > level.queue.length) {
        level.queue.splice(0, level.head);
        level.head = 0;
      }
    }
    return qty;
  }

  private rest(order: ModelOrder): void {
    const book = this.sides[order.side]!;
    let level = book.get(order.price);
    if (!level) {
      book.set(order.price, (level = new ModelLevel()));
      const best = this.best[order.side]!;
      if (best === 0 || (order.side === BUY ? order.price > best : order.price < best)) {
        this.best[order.side] = order.price;
      }
    }
    level.queue.push(order);
    level.live++;
    order.livePos = this.live.length;
    this.live.push(order);
  }

  private removeLevel(side: number, price: number): void {
    const book = this.sides[side]!;
    book.delete(price);
    if (this.best[side] !== price) return;
    if (book.size === 0) {
      this.best[side] = 0;
      return;
    }
    // Every other level is worse than the one removed: walk away from it to the next one.
    const step = side === BUY ? -1 : 1;
    let p = price + step;
    while (!book.has(p)) p += step;
    this.best[side] = p;
  }

  private dropLive(order: ModelOrder): void {
    const last = this.live.pop()!;
    if (last !== order) {
      this.live[order.livePos] = last;
      last.livePos = order.livePos;
    }
    order.livePos = -1;
  }
}
