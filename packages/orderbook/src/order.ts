import type { Level } from './ladder';
import type { OrderType, OrderView, Side, StpMode, TimeInForce } from './types';

/**
 * A live order. Mutable and linked into two intrusive lists (its level's queue and its account's
 * orders) so that every removal is O(1) and a resting order costs one object. Absent optional
 * values are 0 / undefined rather than missing, to keep every Order the same shape for the JIT.
 * Orders are recycled by the book (see OrderPool), so every field is set by `init`.
 */
export class Order {
  /** Current price level (resting) or stop level (pending stop); null once out of the book. */
  level: Level | null = null;
  prev: Order | null = null;
  next: Order | null = null;
  accountPrev: Order | null = null;
  accountNext: Order | null = null;
  /** The account list this order is in while tracked, so untracking needs no lookup. */
  account: AccountOrders | null = null;
  filled = 0;
  /** In the book's id index and its account's list (resting, pending stop, or being re-priced). */
  tracked = false;
  /** What shows in the book now: min(displayQty, remaining) for icebergs, remaining otherwise. */
  visible = 0;
  id = 0;
  accountId = 0;
  clientOrderId: string | undefined = undefined;
  side: Side = 'buy';
  orderType: OrderType = 'limit';
  /** Limit price, or a market order's protection price, in ticks; 0 when none. */
  price = 0;
  /** Total quantity in lots (filled + open); 0 for quote-sized market orders. */
  qty = 0;
  /** Open lots, hidden iceberg part included. */
  remaining = 0;
  /** Unspent quote budget, tick·lot units; 0 unless quote-sized. */
  quoteLeft = 0;
  stopPrice = 0;
  tif: TimeInForce = 'GTC';
  postOnly = false;
  displayQty = 0;
  stp: StpMode = 'none';
  /** Timestamp of the command that gave the order its queue position. */
  ts = 0;

  /** Sets every field of a new or recycled order; links are already null (see OrderPool.release). */
  init(
    id: number,
    accountId: number,
    clientOrderId: string | undefined,
    side: Side,
    orderType: OrderType,
    price: number,
    qty: number,
    remaining: number,
    quoteLeft: number,
    stopPrice: number,
    tif: TimeInForce,
    postOnly: boolean,
    displayQty: number,
    stp: StpMode,
    ts: number,
  ): this {
    this.filled = 0;
    this.visible = 0;
    this.id = id;
    this.accountId = accountId;
    this.clientOrderId = clientOrderId;
    this.side = side;
    this.orderType = orderType;
    this.price = price;
    this.qty = qty;
    this.remaining = remaining;
    this.quoteLeft = quoteLeft;
    this.stopPrice = stopPrice;
    this.tif = tif;
    this.postOnly = postOnly;
    this.displayQty = displayQty;
    this.stp = stp;
    this.ts = ts;
    return this;
  }

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

/**
 * Orders that left the book, kept for reuse: a busy book then allocates no Order objects, so the
 * young-generation GC copies and promotes nothing per command (ADR 0005). Bounded, so a book that
 * shrinks gives its memory back.
 */
export class OrderPool {
  private head: Order | null = null;
  private size = 0;

  constructor(private readonly max: number) {}

  acquire(): Order {
    const o = this.head;
    if (o === null) return new Order();
    this.head = o.next;
    o.next = null;
    this.size--;
    return o;
  }

  /** The order must be out of every list (level, account, id index) and referenced nowhere else. */
  release(o: Order): void {
    if (this.size >= this.max) return;
    o.clientOrderId = undefined;
    o.next = this.head;
    this.head = o;
    this.size++;
  }
}

/** One account's open orders in this book, in acceptance order, with its client-id index. */
export class AccountOrders {
  head: Order | null = null;
  tail: Order | null = null;
  count = 0;
  readonly byClientId = new Map<string, Order>();

  add(order: Order): void {
    order.account = this;
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
    order.account = null;
    this.count--;
    if (order.clientOrderId !== undefined) this.byClientId.delete(order.clientOrderId);
  }
}
