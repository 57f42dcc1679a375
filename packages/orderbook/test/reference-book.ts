/**
 * A naive, deliberately slow reference order book used as the oracle for the differential and
 * property tests. Everything is plain arrays and linear scans: the resting orders are one unsorted
 * array, every "best price" or "queue at a level" question is answered by filtering and sorting it
 * again. Clarity over speed; never use this outside tests.
 *
 * Decisions the contract leaves open, taken the way the real book takes them where that is
 * reasonable (so the differential test can compare them):
 *  - validation runs in a fixed order (halt first, then ids, shape, sizes, prices, flags, then
 *    book-state checks), so a command with several faults gets the first reason in that order;
 *  - a quote-sized FOK is rejected INVALID_TIME_IN_FORCE (fill-or-kill of a budget is ill-defined);
 *  - decrement_and_cancel on a quote-sized taker acts as cancel_newest (a budget cannot be decremented);
 *  - a decrement_and_cancel that only shrinks a maker removes hidden iceberg lots first;
 *  - when a buy stop and a sell stop fire at the same time, the earlier accepted one goes first;
 *  - TOO_MANY_OPEN_ORDERS only concerns orders that may stay open (GTC limit and stops);
 *  - cancel_all with nothing open is rejected NO_OPEN_ORDERS;
 *  - level events are emitted once per changed level at the end of the command (the contract
 *    only requires the last level event per level to agree with the book).
 *
 * An STP decrement shrinks both orders' total qty as well as their open qty, so qty = filled +
 * remaining always holds for a live order, and an amend's "new total" is measured against that.
 */
import type {
  AmendOrder,
  BookCommand,
  BookConfig,
  BookEvent,
  BookRejectReason,
  CancelAll,
  CancelOrder,
  CancelReason,
  CommandType,
  DoneReason,
  L1View,
  L2View,
  L3View,
  OrderType,
  OrderView,
  PlaceOrder,
  PriceLevelView,
  Side,
  StpMode,
  TimeInForce,
} from '../src/types';

const MAX = Number.MAX_SAFE_INTEGER;
const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
/** Exact floor division of two non-negative safe integers. */
const floorDiv = (a: number, b: number): number => Number(BigInt(a) / BigInt(b));
const opposite = (s: Side): Side => (s === 'buy' ? 'sell' : 'buy');
const STP_MODES: readonly StpMode[] = ['none', 'cancel_newest', 'cancel_oldest', 'cancel_both', 'decrement_and_cancel'];

export interface RefOrder {
  orderId: number;
  accountId: number;
  clientOrderId?: string;
  side: Side;
  /** Current type: a triggered stop becomes limit / market. */
  orderType: OrderType;
  /** Limit price, or a market order's protection price; undefined when none. */
  price?: number;
  /** Total lots (filled + open); 0 for a quote-sized order. */
  qty: number;
  /** Open lots, hidden part included. */
  remaining: number;
  filled: number;
  /** Unspent budget of a quote-sized order. */
  quoteLeft: number;
  stopPrice?: number;
  tif: TimeInForce;
  postOnly: boolean;
  displayQty?: number;
  stp: StpMode;
  ts: number;
  /** What shows in the book while resting. */
  visible: number;
  /** Queue position stamp while resting: lower is earlier. */
  queueStamp: number;
}

class Reject {
  constructor(
    readonly reason: BookRejectReason,
    readonly field?: string,
  ) {}
}

type LevelMap = Map<string, PriceLevelView & { side: Side }>;

export class ReferenceBook {
  seq = 0;
  tradeId = 0;
  lastPrice: number | null = null;
  lastOrderId = 0;
  halted = false;
  /** Every resting order, in no particular order. */
  resting: RefOrder[] = [];
  /** Pending stops, in acceptance order. */
  stops: RefOrder[] = [];
  private stamp = 0;
  private out: BookEvent[] = [];
  private ts = 0;

  constructor(readonly config: BookConfig) {}

  // ---- queries (all linear scans) ---------------------------------------------------------------

  openOrders(accountId: number): RefOrder[] {
    return [...this.resting, ...this.stops]
      .filter((o) => o.accountId === accountId)
      .sort((a, b) => a.orderId - b.orderId);
  }

  findOpen(orderId: number): RefOrder | undefined {
    return [...this.resting, ...this.stops].find((o) => o.orderId === orderId);
  }

  /** Prices with resting orders on one side, best first. */
  prices(side: Side): number[] {
    const set = [...new Set(this.resting.filter((o) => o.side === side).map((o) => o.price!))];
    return set.sort((a, b) => (side === 'buy' ? b - a : a - b));
  }

  bestPrice(side: Side): number | undefined {
    return this.prices(side)[0];
  }

  /** The FIFO queue at one price. */
  queue(side: Side, price: number): RefOrder[] {
    return this.resting.filter((o) => o.side === side && o.price === price).sort((a, b) => a.queueStamp - b.queueStamp);
  }

  private levelView(side: Side, price: number): PriceLevelView {
    const q = this.queue(side, price);
    return { price, qty: q.reduce((s, o) => s + o.visible, 0), count: q.length };
  }

  l1(): L1View {
    const view: L1View = { seq: this.seq };
    const bid = this.bestPrice('buy');
    const ask = this.bestPrice('sell');
    if (bid !== undefined) view.bid = this.levelView('buy', bid);
    if (ask !== undefined) view.ask = this.levelView('sell', ask);
    return view;
  }

  l2(depth = Infinity): L2View {
    const side = (s: Side): PriceLevelView[] =>
      this.prices(s)
        .slice(0, depth)
        .map((p) => this.levelView(s, p));
    return { seq: this.seq, bids: side('buy'), asks: side('sell') };
  }

  l3(): L3View {
    const side = (s: Side): OrderView[] => this.prices(s).flatMap((p) => this.queue(s, p).map(view));
    return { seq: this.seq, bids: side('buy'), asks: side('sell') };
  }

  order(orderId: number): OrderView | undefined {
    const o = this.findOpen(orderId);
    return o && view(o);
  }

  private levelMap(): LevelMap {
    const map: LevelMap = new Map();
    for (const side of ['buy', 'sell'] as const)
      for (const p of this.prices(side)) map.set(`${side}:${p}`, { side, ...this.levelView(side, p) });
    return map;
  }

  private crosses(side: Side, price: number): boolean {
    const best = this.bestPrice(opposite(side));
    return best !== undefined && (side === 'buy' ? best <= price : best >= price);
  }

  // ---- commands ---------------------------------------------------------------------------------

  apply(cmd: BookCommand): BookEvent[] {
    this.out = [];
    this.ts = cmd.ts;
    const before = this.levelMap();
    switch (cmd.type) {
      case 'place':
        this.place(cmd);
        break;
      case 'cancel':
        this.cancel(cmd);
        break;
      case 'cancel_all':
        this.cancelAll(cmd);
        break;
      case 'amend':
        this.amend(cmd);
        break;
      case 'halt':
        this.halted = true;
        this.emit({ type: 'halted' });
        break;
      case 'resume':
        this.halted = false;
        this.emit({ type: 'resumed' });
        break;
      default:
        this.reject((cmd as { type: CommandType }).type, new Reject('INVALID_COMMAND', 'type'), {});
    }
    // One level event per level whose (qty, count) changed during the command.
    const after = this.levelMap();
    const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
    for (const key of keys) {
      const b = before.get(key);
      const a = after.get(key);
      if (b && a && b.qty === a.qty && b.count === a.count) continue;
      const [side, price] = key.split(':') as [Side, string];
      this.emit({ type: 'level', side, price: Number(price), qty: a?.qty ?? 0, count: a?.count ?? 0 });
    }
    return this.out;
  }

  private validatePlace(cmd: PlaceOrder): Reject | null {
    if (this.halted) return new Reject('MARKET_HALTED');
    if (!isPositiveInt(cmd.orderId)) return new Reject('INVALID_ORDER_ID', 'orderId');
    if (cmd.orderId <= this.lastOrderId) return new Reject('DUPLICATE_ORDER_ID', 'orderId');
    if (!Number.isSafeInteger(cmd.accountId)) return new Reject('INVALID_COMMAND', 'accountId');
    if (cmd.side !== 'buy' && cmd.side !== 'sell') return new Reject('INVALID_ORDER', 'side');
    const t = cmd.orderType;
    if (t !== 'limit' && t !== 'market' && t !== 'stop_limit' && t !== 'stop_market')
      return new Reject('INVALID_ORDER', 'orderType');
    const isMarket = t === 'market' || t === 'stop_market';
    const isStop = t === 'stop_limit' || t === 'stop_market';
    if (cmd.tif !== 'GTC' && cmd.tif !== 'IOC' && cmd.tif !== 'FOK') return new Reject('INVALID_TIME_IN_FORCE', 'tif');
    if (isMarket && cmd.tif === 'GTC') return new Reject('INVALID_TIME_IN_FORCE', 'tif');
    if (cmd.quoteQty !== undefined) {
      if (!isMarket || cmd.qty !== undefined) return new Reject('INVALID_QUANTITY', 'quoteQty');
      if (!isPositiveInt(cmd.quoteQty)) return new Reject('INVALID_QUANTITY', 'quoteQty');
      if (cmd.tif === 'FOK') return new Reject('INVALID_TIME_IN_FORCE', 'tif');
    } else if (!isPositiveInt(cmd.qty)) return new Reject('INVALID_QUANTITY', 'qty');
    if (cmd.price === undefined) {
      if (!isMarket) return new Reject('INVALID_PRICE', 'price');
    } else if (!isPositiveInt(cmd.price)) return new Reject('INVALID_PRICE', 'price');
    if (isStop) {
      if (!isPositiveInt(cmd.stopPrice)) return new Reject('INVALID_PRICE', 'stopPrice');
    } else if (cmd.stopPrice !== undefined) return new Reject('INVALID_PRICE', 'stopPrice');
    // Post-only: only on GTC limit orders (as Binance's LIMIT_MAKER; a stop has no post-only form).
    if (cmd.postOnly && (t !== 'limit' || cmd.tif !== 'GTC')) return new Reject('INVALID_ORDER', 'postOnly');
    if (cmd.displayQty !== undefined) {
      if (t !== 'limit' || cmd.tif !== 'GTC') return new Reject('INVALID_ORDER', 'displayQty');
      if (!isPositiveInt(cmd.displayQty)) return new Reject('INVALID_QUANTITY', 'displayQty');
      if (cmd.displayQty >= cmd.qty!) return new Reject('INVALID_ORDER', 'displayQty');
    }
    if (!STP_MODES.includes(cmd.stp)) return new Reject('INVALID_ORDER', 'stp');
    const open = this.openOrders(cmd.accountId);
    if (cmd.clientOrderId !== undefined) {
      if (typeof cmd.clientOrderId !== 'string') return new Reject('INVALID_ORDER', 'clientOrderId');
      if (open.some((o) => o.clientOrderId === cmd.clientOrderId))
        return new Reject('DUPLICATE_CLIENT_ORDER_ID', 'clientOrderId');
    }
    const mayStayOpen = isStop || (t === 'limit' && cmd.tif === 'GTC');
    const cap = this.config.maxOpenOrdersPerAccount;
    if (mayStayOpen && cap !== undefined && open.length >= cap) return new Reject('TOO_MANY_OPEN_ORDERS');
    if (isStop && this.lastPrice !== null) {
      const fires = cmd.side === 'buy' ? this.lastPrice >= cmd.stopPrice! : this.lastPrice <= cmd.stopPrice!;
      if (fires) return new Reject('STOP_WOULD_TRIGGER_IMMEDIATELY', 'stopPrice');
    }
    if (t === 'limit') {
      if (cmd.postOnly && this.crosses(cmd.side, cmd.price!)) return new Reject('POST_ONLY_WOULD_TAKE');
      if (this.levelOverflows(cmd.side, cmd.price!, cmd.qty!)) return new Reject('LEVEL_QUANTITY_OVERFLOW', 'qty');
    }
    return null;
  }

  private levelOverflows(side: Side, price: number, growth: number): boolean {
    const q = this.queue(side, price);
    return q.length > 0 && this.levelView(side, price).qty > MAX - growth;
  }

  private place(cmd: PlaceOrder): void {
    const problem = this.validatePlace(cmd);
    if (problem) return this.reject('place', problem, cmd);
    this.lastOrderId = cmd.orderId;
    const order: RefOrder = {
      orderId: cmd.orderId,
      accountId: cmd.accountId,
      side: cmd.side,
      orderType: cmd.orderType,
      qty: cmd.qty ?? 0,
      remaining: cmd.qty ?? 0,
      filled: 0,
      quoteLeft: cmd.quoteQty ?? 0,
      tif: cmd.tif,
      postOnly: cmd.postOnly === true,
      stp: cmd.stp,
      ts: cmd.ts,
      visible: 0,
      queueStamp: 0,
    };
    if (cmd.clientOrderId !== undefined) order.clientOrderId = cmd.clientOrderId;
    if (cmd.price !== undefined) order.price = cmd.price;
    if (cmd.stopPrice !== undefined) order.stopPrice = cmd.stopPrice;
    if (cmd.displayQty !== undefined) order.displayQty = cmd.displayQty;
    this.emit(
      dropUndefined({
        type: 'accepted',
        orderId: cmd.orderId,
        accountId: cmd.accountId,
        clientOrderId: cmd.clientOrderId,
        side: cmd.side,
        orderType: cmd.orderType,
        price: cmd.price,
        qty: cmd.qty,
        quoteQty: cmd.quoteQty,
        stopPrice: cmd.stopPrice,
        tif: cmd.tif,
        postOnly: cmd.postOnly === true,
        displayQty: cmd.displayQty,
        stp: cmd.stp,
      }),
    );
    if (cmd.orderType === 'stop_limit' || cmd.orderType === 'stop_market') {
      this.stops.push(order);
      return;
    }
    this.execute(order);
    this.triggerStops();
  }

  private findOwned(cmd: { accountId: number; orderId?: number; clientOrderId?: string }): RefOrder | undefined {
    const open = this.openOrders(cmd.accountId);
    if (cmd.orderId !== undefined) return open.find((o) => o.orderId === cmd.orderId);
    if (cmd.clientOrderId !== undefined) return open.find((o) => o.clientOrderId === cmd.clientOrderId);
    return undefined;
  }

  private cancel(cmd: CancelOrder): void {
    const order = this.findOwned(cmd);
    if (!order) return this.reject('cancel', new Reject('UNKNOWN_ORDER'), cmd);
    this.cancelOpen(order, 'user');
  }

  private cancelAll(cmd: CancelAll): void {
    const open = this.openOrders(cmd.accountId);
    if (open.length === 0) return this.reject('cancel_all', new Reject('NO_OPEN_ORDERS'), cmd);
    for (const order of open) this.cancelOpen(order, 'cancel_all');
  }

  private amend(cmd: AmendOrder): void {
    const order = this.findOwned(cmd);
    if (!order) return this.reject('amend', new Reject('UNKNOWN_ORDER'), cmd);
    const problem = this.validateAmend(cmd, order);
    if (problem) return this.reject('amend', problem, cmd);
    const price = cmd.price ?? order.price!;
    const qty = cmd.qty ?? order.qty;
    const remaining = qty - order.filled;
    const keep = price === order.price && remaining <= order.remaining;
    if (keep) {
      order.qty = qty;
      order.remaining = remaining;
      order.visible = Math.min(order.visible, remaining);
      this.emitAmended(order, true);
      return;
    }
    // Loses priority: out of the book, re-priced, and in again as a taker.
    this.resting = this.resting.filter((o) => o !== order);
    order.price = price;
    order.qty = qty;
    order.remaining = remaining;
    order.visible = 0;
    order.ts = cmd.ts;
    this.emitAmended(order, false);
    this.execute(order);
    this.triggerStops();
  }

  private validateAmend(cmd: AmendOrder, order: RefOrder): Reject | null {
    if (this.halted) return new Reject('MARKET_HALTED');
    if (order.orderType !== 'limit') return new Reject('AMEND_NOT_SUPPORTED');
    if (cmd.price === undefined && cmd.qty === undefined) return new Reject('INVALID_COMMAND', 'qty');
    if (cmd.price !== undefined && !isPositiveInt(cmd.price)) return new Reject('INVALID_PRICE', 'price');
    if (cmd.qty !== undefined && !isPositiveInt(cmd.qty)) return new Reject('INVALID_QUANTITY', 'qty');
    const price = cmd.price ?? order.price!;
    const qty = cmd.qty ?? order.qty;
    if (qty <= order.filled) return new Reject('AMEND_QTY_NOT_ABOVE_FILLED', 'qty');
    if (order.postOnly && price !== order.price && this.crosses(order.side, price))
      return new Reject('POST_ONLY_WOULD_TAKE', 'price');
    const growth = qty - order.qty;
    if (growth > 0 && this.levelOverflows(order.side, price, growth))
      return new Reject('LEVEL_QUANTITY_OVERFLOW', 'qty');
    return null;
  }

  // ---- matching ---------------------------------------------------------------------------------

  private wantsMore(o: RefOrder): boolean {
    return o.remaining > 0 || o.quoteLeft > 0;
  }

  /** Runs a new, triggered or re-priced order against the book; rests or ends it. */
  private execute(t: RefOrder): void {
    if (t.tif === 'FOK' && !this.fokFillable(t)) {
      this.emitCanceled(t, t.remaining, 'fok');
      t.remaining = 0;
      this.emitDone(t, 'canceled');
      return;
    }
    if (t.postOnly && t.orderType === 'limit' && this.crosses(t.side, t.price!)) {
      // Only reachable by a triggered post-only stop_limit (a placed one is rejected up front).
      // The contract has no dedicated cancel reason for it; 'ioc' is the closest.
      this.emitCanceled(t, t.remaining, 'ioc');
      t.remaining = 0;
      this.emitDone(t, 'canceled');
      return;
    }
    const stoppedBySTP = this.match(t);
    if (!stoppedBySTP && t.remaining > 0 && t.orderType === 'limit' && t.tif === 'GTC') {
      t.visible = t.displayQty !== undefined ? Math.min(t.displayQty, t.remaining) : t.remaining;
      t.queueStamp = ++this.stamp;
      this.resting.push(t);
      return;
    }
    const leftover = this.wantsMore(t);
    if (leftover) {
      this.emitCanceled(t, t.remaining, stoppedBySTP ? 'stp' : 'ioc');
      t.remaining = 0;
      t.quoteLeft = 0;
    }
    this.emitDone(t, leftover || stoppedBySTP ? 'canceled' : 'filled');
  }

  /**
   * FOK feasibility by brute force: run the match on a throw-away copy of the book and see whether
   * the taker would be filled completely by trades (an STP cancel or decrement counts as not filled).
   */
  private fokFillable(t: RefOrder): boolean {
    const sim = new ReferenceBook(this.config);
    sim.resting = structuredClone(this.resting);
    sim.stamp = this.stamp;
    const taker = structuredClone(t);
    sim.match(taker);
    return taker.filled - t.filled === t.remaining;
  }

  /** Matches the taker against the opposite side. Returns true when STP ended the taker. */
  private match(t: RefOrder): boolean {
    const side = opposite(t.side);
    const byQuote = t.quoteLeft > 0;
    while (this.wantsMore(t)) {
      const price = this.bestPrice(side);
      if (price === undefined) break;
      if (t.price !== undefined && (t.side === 'buy' ? price > t.price : price < t.price)) break;
      if (byQuote && floorDiv(t.quoteLeft, price) === 0) break;
      const maker = this.queue(side, price)[0]!;
      if (maker.accountId === t.accountId && t.stp !== 'none') {
        const mode: StpMode = t.stp === 'decrement_and_cancel' && byQuote ? 'cancel_newest' : t.stp;
        if (mode === 'cancel_newest') return true;
        if (mode === 'cancel_oldest') {
          this.removeResting(maker, maker.remaining, 'stp');
          continue;
        }
        if (mode === 'cancel_both') {
          this.removeResting(maker, maker.remaining, 'stp');
          return true;
        }
        // decrement_and_cancel
        const d = Math.min(t.remaining, maker.remaining);
        if (maker.remaining === d) this.removeResting(maker, d, 'stp');
        else {
          maker.remaining -= d;
          maker.qty -= d;
          maker.visible = Math.min(maker.visible, maker.remaining);
          this.emitCanceled(maker, d, 'stp');
        }
        t.remaining -= d;
        t.qty -= d;
        this.emitCanceled(t, d, 'stp');
        if (t.remaining === 0) return true;
        continue;
      }
      const qty = Math.min(maker.visible, byQuote ? floorDiv(t.quoteLeft, price) : t.remaining);
      if (byQuote) t.quoteLeft -= qty * price;
      else t.remaining -= qty;
      t.filled += qty;
      maker.visible -= qty;
      maker.remaining -= qty;
      maker.filled += qty;
      this.lastPrice = price;
      this.emit({
        type: 'trade',
        tradeId: ++this.tradeId,
        price,
        qty,
        aggressor: t.side,
        makerOrderId: maker.orderId,
        makerAccountId: maker.accountId,
        takerOrderId: t.orderId,
        takerAccountId: t.accountId,
      });
      if (maker.remaining === 0) {
        this.resting = this.resting.filter((o) => o !== maker);
        this.emitDone(maker, 'filled');
      } else if (maker.visible === 0) {
        // Iceberg refill: a new slice, at the back of the queue.
        maker.visible = Math.min(maker.displayQty!, maker.remaining);
        maker.queueStamp = ++this.stamp;
      }
    }
    return false;
  }

  /** Fires every stop the last trade price reached, one at a time, re-checking after each. */
  private triggerStops(): void {
    while (this.lastPrice !== null) {
      const last = this.lastPrice;
      const buys = this.stops
        .filter((o) => o.side === 'buy' && last >= o.stopPrice!)
        .sort((a, b) => a.stopPrice! - b.stopPrice! || a.orderId - b.orderId);
      const sells = this.stops
        .filter((o) => o.side === 'sell' && last <= o.stopPrice!)
        .sort((a, b) => b.stopPrice! - a.stopPrice! || a.orderId - b.orderId);
      const heads = [buys[0], sells[0]].filter((o): o is RefOrder => o !== undefined);
      if (heads.length === 0) return;
      const order = heads.sort((a, b) => a.orderId - b.orderId)[0]!;
      this.stops = this.stops.filter((o) => o !== order);
      order.orderType = order.orderType === 'stop_limit' ? 'limit' : 'market';
      order.ts = this.ts;
      this.emit({
        type: 'triggered',
        orderId: order.orderId,
        accountId: order.accountId,
        stopPrice: order.stopPrice!,
        lastPrice: last,
      });
      this.execute(order);
    }
  }

  // ---- removal ----------------------------------------------------------------------------------

  private removeResting(order: RefOrder, qty: number, reason: CancelReason): void {
    this.resting = this.resting.filter((o) => o !== order);
    this.emitCanceled(order, qty, reason);
    order.remaining = 0;
    order.visible = 0;
    this.emitDone(order, 'canceled');
  }

  private cancelOpen(order: RefOrder, reason: CancelReason): void {
    this.stops = this.stops.filter((o) => o !== order);
    this.resting = this.resting.filter((o) => o !== order);
    this.emitCanceled(order, order.remaining, reason);
    order.remaining = 0;
    order.quoteLeft = 0;
    order.visible = 0;
    this.emitDone(order, 'canceled');
  }

  // ---- events -----------------------------------------------------------------------------------

  private emit(e: DistributiveOmit<BookEvent, 'seq' | 'ts'>): void {
    this.out.push({ ...e, seq: ++this.seq, ts: this.ts } as BookEvent);
  }

  private reject(
    command: CommandType,
    r: Reject,
    cmd: { orderId?: number; accountId?: number; clientOrderId?: string } & {
      [term in 'side' | 'orderType' | 'tif' | 'postOnly' | 'stp']?: unknown;
    },
  ): void {
    const oneOf = <T>(v: unknown, values: readonly T[]): T | undefined =>
      values.includes(v as T) ? (v as T) : undefined;
    // a place's own terms, each only when well-typed
    const terms =
      command === 'place'
        ? {
            side: oneOf<Side>(cmd.side, ['buy', 'sell']),
            orderType: oneOf<OrderType>(cmd.orderType, ['limit', 'market', 'stop_limit', 'stop_market']),
            tif: oneOf<TimeInForce>(cmd.tif, ['GTC', 'IOC', 'FOK']),
            postOnly: typeof cmd.postOnly === 'boolean' ? cmd.postOnly : undefined,
            stp: oneOf<StpMode>(cmd.stp, STP_MODES),
          }
        : {};
    this.emit(
      dropUndefined({
        type: 'rejected',
        command,
        reason: r.reason,
        field: r.field,
        orderId: cmd.orderId,
        accountId: cmd.accountId,
        clientOrderId: cmd.clientOrderId,
        ...terms,
      }),
    );
  }

  private emitCanceled(order: RefOrder, qty: number, reason: CancelReason): void {
    this.emit(
      dropUndefined({
        type: 'canceled',
        orderId: order.orderId,
        accountId: order.accountId,
        qty,
        quoteQty: order.quoteLeft > 0 ? order.quoteLeft : undefined,
        reason,
      }),
    );
  }

  private emitDone(order: RefOrder, reason: DoneReason): void {
    this.emit({ type: 'done', orderId: order.orderId, accountId: order.accountId, reason, filled: order.filled });
  }

  private emitAmended(order: RefOrder, keptPriority: boolean): void {
    this.emit({
      type: 'amended',
      orderId: order.orderId,
      accountId: order.accountId,
      price: order.price!,
      qty: order.qty,
      remaining: order.remaining,
      keptPriority,
    });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function view(o: RefOrder): OrderView {
  return dropUndefined({
    orderId: o.orderId,
    accountId: o.accountId,
    clientOrderId: o.clientOrderId,
    side: o.side,
    orderType: o.orderType,
    price: o.price ?? 0,
    qty: o.qty,
    remaining: o.remaining,
    visible: o.visible,
    filled: o.filled,
    displayQty: o.displayQty,
    tif: o.tif,
    postOnly: o.postOnly,
    stp: o.stp,
    stopPrice: o.stopPrice,
    quoteQty: o.quoteLeft > 0 ? o.quoteLeft : undefined,
    ts: o.ts,
  });
}
