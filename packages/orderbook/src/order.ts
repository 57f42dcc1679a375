import type { Level } from './ladder';
import type { OrderType, OrderView, Side, StpMode, TimeInForce } from './types';

/**
 * A live order. Mutable and linked into two intrusive lists (its level's queue and its account's
 * orders) so that every removal is O(1) and a resting order costs one object. Absent optional
 * values are 0 / undefined rather than missing, to keep every Order the same shape for the JIT.
 */
export class Order {
  /** Current price level (resting) or stop level (pending stop); null once out of the book. */
  level: Level | null = null;
  prev: Order | null = null;
  next: Order | null = null;
  accountPrev: Order | null = null;
  accountNext: Order | null = null;
  filled = 0;
  /** In the book's id map and its account's list (resting, pending stop, or being re-priced). */
  tracked = false;
  /** What shows in the book now: min(displayQty, remaining) for icebergs, remaining otherwise. */
  visible = 0;

  constructor(
    readonly id: number,
    readonly accountId: number,
    readonly clientOrderId: string | undefined,
    readonly side: Side,
    public orderType: OrderType,
    /** Limit price, or a market order's protection price, in ticks; 0 when none. */
    public price: number,
    /** Total quantity in lots (filled + open); 0 for quote-sized market orders. */
    public qty: number,
    /** Open lots, hidden iceberg part included. */
    public remaining: number,
    /** Unspent quote budget, tick·lot units; 0 unless quote-sized. */
    public quoteLeft: number,
    public stopPrice: number,
    readonly tif: TimeInForce,
    readonly postOnly: boolean,
    readonly displayQty: number,
    readonly stp: StpMode,
    /** Timestamp of the command that gave the order its queue position. */
    public ts: number,
  ) {}

  /** A quote-sized market order that still has budget, or any order with open lots. */
  get wantsMore(): boolean {
    return this.remaining > 0 || this.quoteLeft > 0;
  }

  view(): OrderView {
    const v: OrderView = {
      orderId: this.id,
      accountId: this.accountId,
      side: this.side,
      orderType: this.orderType,
      price: this.price,
      qty: this.qty,
      remaining: this.remaining,
      visible: this.visible,
      filled: this.filled,
      tif: this.tif,
      postOnly: this.postOnly,
      stp: this.stp,
      ts: this.ts,
    };
    if (this.clientOrderId !== undefined) v.clientOrderId = this.clientOrderId;
    if (this.displayQty) v.displayQty = this.displayQty;
    if (this.stopPrice) v.stopPrice = this.stopPrice;
    if (this.quoteLeft) v.quoteQty = this.quoteLeft;
    return v;
  }
}

/** One account's open orders in this book, in acceptance order, with its client-id index. */
export class AccountOrders {
  head: Order | null = null;
  tail: Order | null = null;
  count = 0;
  readonly byClientId = new Map<string, Order>();

  add(order: Order): void {
    order.accountPrev = this.tail;
    order.accountNext = null;
    if (this.tail) this.tail.accountNext = order;
    else this.head = order;
    this.tail = order;
    this.count++;
    if (order.clientOrderId !== undefined) this.byClientId.set(order.clientOrderId, order);
  }

  remove(order: Order): void {
    if (order.accountPrev) order.accountPrev.accountNext = order.accountNext;
    else this.head = order.accountNext;
    if (order.accountNext) order.accountNext.accountPrev = order.accountPrev;
    else this.tail = order.accountPrev;
    order.accountPrev = order.accountNext = null;
    this.count--;
    if (order.clientOrderId !== undefined) this.byClientId.delete(order.clientOrderId);
  }
}
