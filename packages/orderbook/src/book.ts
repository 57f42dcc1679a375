import { Ladder, type Level } from './ladder';
import { AccountOrders, OrderPool, type Order } from './order';
import { IntMap } from './int-map';
import { placeTermsOf } from './place-terms';
import { restoreInto, snapshotOf, hashSnapshot } from './snapshot';
import type {
  AmendOrder,
  BookCommand,
  BookConfig,
  BookEvent,
  BookRejectReason,
  BookSnapshot,
  CancelAll,
  CancelOrder,
  CancelReason,
  CommandType,
  DoneReason,
  L1View,
  L2View,
  L3View,
  OrderView,
  PlaceOrder,
  PriceLevelView,
  Side,
} from './types';

const MAX = Number.MAX_SAFE_INTEGER;
/** Finished orders kept for reuse (see OrderPool); enough for any burst of fills of one command stream. */
const MAX_POOLED_ORDERS = 16_384;
const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
/** floor(a / b) for safe integers, exactly: `a - a % b` is an exact multiple of b, so the division is exact. */
const floorDiv = (a: number, b: number): number => (a - (a % b)) / b;

type RejectSubject = { orderId?: number; accountId?: number; clientOrderId?: string };

class Reject {
  constructor(
    readonly reason: BookRejectReason,
    readonly field?: string,
  ) {}
}

/**
 * A single market's order book: price-time priority, pure and deterministic. Every call returns
 * the events it caused, numbered gaplessly; an invalid command yields one `rejected` event and
 * changes nothing else.
 */
export class OrderBook {
  /** Last emitted event sequence. */
  seq = 0;
  /** Last trade id. */
  tradeId = 0;
  lastPrice: number | null = null;
  lastOrderId = 0;
  halted = false;

  readonly bids = new Ladder(false);
  readonly asks = new Ladder(true);
  /** Pending stops keyed by stop price: buy stops fire lowest first, sell stops highest first. */
  readonly buyStops = new Ladder(true);
  readonly sellStops = new Ladder(false);
  /** Open orders (resting, pending stops) by id. */
  readonly orders = new IntMap<Order>(idOf);
  readonly accounts = new Map<number, AccountOrders>();

  private out: BookEvent[] = [];
  private ts = 0;
  private readonly pool = new OrderPool(MAX_POOLED_ORDERS);
  /**
   * The own-side level at a placed limit order's price, as validatePlace found it (null: none yet),
   * so that resting the order needs no second lookup. Valid only from validatePlace to execute's
   * end: matching touches the other side only, so this level cannot go away meanwhile.
   */
  private placedLevel: Level | null = null;

  constructor(readonly config: BookConfig) {}

  static restore(snapshot: BookSnapshot): OrderBook {
    const book = new OrderBook(snapshot.config);
    restoreInto(book, snapshot);
    return book;
  }

  apply(cmd: BookCommand): BookEvent[] {
    const out: BookEvent[] = (this.out = []);
    this.ts = cmd.ts;
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
        out.push({ type: 'halted', seq: ++this.seq, ts: this.ts });
        break;
      case 'resume':
        this.halted = false;
        out.push({ type: 'resumed', seq: ++this.seq, ts: this.ts });
        break;
      default:
        this.reject((cmd as { type: CommandType }).type ?? 'place', new Reject('INVALID_COMMAND', 'type'), cmd);
    }
    return out;
  }

  /**
   * Records the outcome of a command refused before it reached the book (funds not locked, a
   * decimal the market cannot represent): one `rejected` event in this book's sequence, no other change.
   */
  rejectCommand(
    cmd: { type: CommandType; ts: number; orderId?: number; accountId?: number; clientOrderId?: string },
    reason: string,
    field?: string,
  ): BookEvent[] {
    const out: BookEvent[] = (this.out = []);
    this.ts = cmd.ts;
    this.pushReject(cmd.type, reason, field, cmd);
    return out;
  }

  // ---- commands -------------------------------------------------------------------------------

  private place(cmd: PlaceOrder): void {
    const problem = this.validatePlace(cmd);
    if (problem) return this.reject('place', problem, cmd);
    const isStop = cmd.orderType === 'stop_limit' || cmd.orderType === 'stop_market';
    const qty = cmd.qty ?? 0;
    const order = this.pool
      .acquire()
      .init(
        cmd.orderId,
        cmd.accountId,
        cmd.clientOrderId,
        cmd.side,
        cmd.orderType,
        cmd.price ?? 0,
        qty,
        qty,
        cmd.quoteQty ?? 0,
        cmd.stopPrice ?? 0,
        cmd.tif,
        cmd.postOnly === true,
        cmd.displayQty ?? 0,
        cmd.stp,
        cmd.ts,
      );
    this.lastOrderId = cmd.orderId;
    this.out.push({
      type: 'accepted',
      seq: ++this.seq,
      ts: this.ts,
      orderId: order.id,
      accountId: order.accountId,
      clientOrderId: cmd.clientOrderId,
      side: order.side,
      orderType: order.orderType,
      price: cmd.price,
      qty: cmd.qty,
      quoteQty: cmd.quoteQty,
      stopPrice: cmd.stopPrice,
      tif: order.tif,
      postOnly: order.postOnly,
      displayQty: cmd.displayQty,
      stp: order.stp,
    });
    if (isStop) {
      this.track(order);
      (order.side === 'buy' ? this.buyStops : this.sellStops).getOrCreate(order.stopPrice).push(order);
      return;
    }
    this.execute(order);
    this.placedLevel = null;
    this.triggerStops();
  }

  private validatePlace(cmd: PlaceOrder): Reject | null {
    if (this.halted) return new Reject('MARKET_HALTED');
    if (!isPositiveInt(cmd.orderId)) return new Reject('INVALID_ORDER_ID', 'orderId');
    if (cmd.orderId <= this.lastOrderId) return new Reject('DUPLICATE_ORDER_ID', 'orderId');
    if (!Number.isSafeInteger(cmd.accountId)) return new Reject('INVALID_COMMAND', 'accountId');
    if (cmd.side !== 'buy' && cmd.side !== 'sell') return new Reject('INVALID_ORDER', 'side');
    const { orderType, tif } = cmd;
    const isMarket = orderType === 'market' || orderType === 'stop_market';
    const isStop = orderType === 'stop_limit' || orderType === 'stop_market';
    if (!isMarket && orderType !== 'limit' && orderType !== 'stop_limit')
      return new Reject('INVALID_ORDER', 'orderType');
    if (tif !== 'GTC' && tif !== 'IOC' && tif !== 'FOK') return new Reject('INVALID_TIME_IN_FORCE', 'tif');
    if (isMarket && tif === 'GTC') return new Reject('INVALID_TIME_IN_FORCE', 'tif');
    if (cmd.quoteQty !== undefined) {
      if (!isMarket || cmd.qty !== undefined) return new Reject('INVALID_QUANTITY', 'quoteQty');
      if (!isPositiveInt(cmd.quoteQty)) return new Reject('INVALID_QUANTITY', 'quoteQty');
      if (tif === 'FOK') return new Reject('INVALID_TIME_IN_FORCE', 'tif');
    } else if (!isPositiveInt(cmd.qty)) return new Reject('INVALID_QUANTITY', 'qty');
    if (cmd.price !== undefined ? !isPositiveInt(cmd.price) : !isMarket) return new Reject('INVALID_PRICE', 'price');
    if (isStop ? !isPositiveInt(cmd.stopPrice) : cmd.stopPrice !== undefined)
      return new Reject('INVALID_PRICE', 'stopPrice');
    if (cmd.postOnly && (orderType !== 'limit' || tif !== 'GTC')) return new Reject('INVALID_ORDER', 'postOnly');
    if (cmd.displayQty !== undefined) {
      if (orderType !== 'limit' || tif !== 'GTC') return new Reject('INVALID_ORDER', 'displayQty');
      if (!isPositiveInt(cmd.displayQty)) return new Reject('INVALID_QUANTITY', 'displayQty');
      if (cmd.displayQty >= cmd.qty!) return new Reject('INVALID_ORDER', 'displayQty');
    }
    if (!isStpMode(cmd.stp)) return new Reject('INVALID_ORDER', 'stp');
    const cap = this.config.maxOpenOrdersPerAccount;
    const mayRest = isStop || (orderType === 'limit' && tif === 'GTC');
    if (cmd.clientOrderId !== undefined || (mayRest && cap !== undefined)) {
      const account = this.accounts.get(cmd.accountId);
      if (cmd.clientOrderId !== undefined) {
        if (typeof cmd.clientOrderId !== 'string') return new Reject('INVALID_ORDER', 'clientOrderId');
        if (account?.byClientId.has(cmd.clientOrderId)) return new Reject('DUPLICATE_CLIENT_ORDER_ID', 'clientOrderId');
      }
      if (mayRest && cap !== undefined && account && account.count >= cap) return new Reject('TOO_MANY_OPEN_ORDERS');
    }
    if (isStop && this.lastPrice !== null) {
      const fires = cmd.side === 'buy' ? this.lastPrice >= cmd.stopPrice! : this.lastPrice <= cmd.stopPrice!;
      if (fires) return new Reject('STOP_WOULD_TRIGGER_IMMEDIATELY', 'stopPrice');
    }
    if (orderType === 'limit') {
      if (cmd.postOnly && this.crossesBook(cmd.side, cmd.price!)) return new Reject('POST_ONLY_WOULD_TAKE');
      const level = (cmd.side === 'buy' ? this.bids : this.asks).get(cmd.price!);
      if (level && level.qty > MAX - cmd.qty!) return new Reject('LEVEL_QUANTITY_OVERFLOW', 'qty');
      this.placedLevel = level ?? null;
    }
    return null;
  }

  private cancel(cmd: CancelOrder): void {
    const order = this.findOwned(cmd);
    if (!order) return this.reject('cancel', new Reject('UNKNOWN_ORDER'), cmd);
    this.cancelOrder(order, 'user');
  }

  private cancelAll(cmd: CancelAll): void {
    const account = this.accounts.get(cmd.accountId);
    // Every command has an outcome a caller can wait for; with nothing open it is this reject
    // (Binance answers -2011 there, too).
    if (!account?.head) return this.reject('cancel_all', new Reject('NO_OPEN_ORDERS'), cmd);
    for (let o: Order | null = account.head; o;) {
      const next: Order | null = o.accountNext;
      this.cancelOrder(o, 'cancel_all');
      o = next;
    }
  }

  private amend(cmd: AmendOrder): void {
    const order = this.findOwned(cmd);
    if (!order) return this.reject('amend', new Reject('UNKNOWN_ORDER'), cmd);
    const problem = this.validateAmend(cmd, order);
    if (problem) return this.reject('amend', problem, cmd);
    const price = cmd.price ?? order.price;
    const qty = cmd.qty ?? order.qty;
    const remaining = qty - order.filled;
    const level = order.level!;
    const ladder = order.side === 'buy' ? this.bids : this.asks;
    if (price === order.price && qty <= order.qty) {
      const visible = Math.min(order.visible, remaining);
      level.qty -= order.visible - visible;
      order.visible = visible;
      order.qty = qty;
      order.remaining = remaining;
      this.emitAmended(order, true);
      this.emitLevel(order.side, level);
      return;
    }
    this.unrest(order, ladder, level);
    order.price = price;
    order.qty = qty;
    order.remaining = remaining;
    order.ts = cmd.ts;
    this.emitAmended(order, false);
    this.execute(order);
    this.triggerStops();
  }

  private validateAmend(cmd: AmendOrder, order: Order): Reject | null {
    if (this.halted) return new Reject('MARKET_HALTED');
    if (order.orderType !== 'limit') return new Reject('AMEND_NOT_SUPPORTED');
    if (cmd.price === undefined && cmd.qty === undefined) return new Reject('INVALID_COMMAND', 'qty');
    if (cmd.price !== undefined && !isPositiveInt(cmd.price)) return new Reject('INVALID_PRICE', 'price');
    if (cmd.qty !== undefined && !isPositiveInt(cmd.qty)) return new Reject('INVALID_QUANTITY', 'qty');
    const price = cmd.price ?? order.price;
    const qty = cmd.qty ?? order.qty;
    if (qty <= order.filled) return new Reject('AMEND_QTY_NOT_ABOVE_FILLED', 'qty');
    if (order.postOnly && price !== order.price && this.crossesBook(order.side, price)) {
      return new Reject('POST_ONLY_WOULD_TAKE', 'price');
    }
    const level = (order.side === 'buy' ? this.bids : this.asks).get(price);
    const growth = qty - order.qty;
    if (level && growth > 0 && level.qty > MAX - growth) return new Reject('LEVEL_QUANTITY_OVERFLOW', 'qty');
    return null;
  }

  // ---- matching -------------------------------------------------------------------------------

  /** Runs a (new, triggered or re-priced) order against the book, then rests or ends it. */
  private execute(order: Order): void {
    if (order.tif === 'FOK' && !this.canFill(order)) {
      this.untrack(order);
      this.emitCanceled(order, order.remaining, 'fok');
      order.remaining = 0;
      this.emitDone(order, 'canceled');
      return;
    }
    const stopped = this.match(order);
    if (!stopped && order.remaining > 0 && order.orderType === 'limit' && order.tif === 'GTC') {
      this.rest(order);
      return;
    }
    this.untrack(order);
    const leftover = order.wantsMore;
    if (leftover) {
      this.emitCanceled(order, order.remaining, stopped ? 'stp' : 'ioc');
      order.remaining = 0;
      order.quoteLeft = 0;
    }
    this.emitDone(order, leftover || stopped ? 'canceled' : 'filled');
  }

  /** Matches the taker against the opposite side. Returns true when STP canceled the taker. */
  private match(taker: Order): boolean {
    const book = taker.side === 'buy' ? this.asks : this.bids;
    const limit = taker.price;
    const byQuote = taker.quoteLeft > 0;
    for (let level = book.best; level && taker.wantsMore; level = book.best) {
      const price = level.price;
      if (limit !== 0 && (taker.side === 'buy' ? price > limit : price < limit)) break;
      if (byQuote && taker.quoteLeft < price) break;
      let stopped = false;
      let touched = false;
      for (let maker = level.head; maker && taker.wantsMore; maker = level.head) {
        if (byQuote && taker.quoteLeft < price) break; // cannot afford one more lot here
        if (maker.accountId === taker.accountId && taker.stp !== 'none') {
          stopped = this.preventSelfTrade(taker, maker, level);
          touched ||= !stopped || taker.stp !== 'cancel_newest';
          if (stopped) break;
          continue;
        }
        touched = true;
        let qty = maker.visible;
        if (byQuote) {
          const affordable = floorDiv(taker.quoteLeft, price);
          if (affordable < qty) qty = affordable;
          taker.quoteLeft -= qty * price;
        } else {
          if (taker.remaining < qty) qty = taker.remaining;
          taker.remaining -= qty;
        }
        taker.filled += qty;
        this.fillMaker(maker, level, qty);
        this.lastPrice = price;
        this.out.push({
          type: 'trade',
          seq: ++this.seq,
          ts: this.ts,
          tradeId: ++this.tradeId,
          price,
          qty,
          aggressor: taker.side,
          makerOrderId: maker.id,
          makerAccountId: maker.accountId,
          takerOrderId: taker.id,
          takerAccountId: taker.accountId,
        });
        if (maker.remaining === 0) this.emitDone(maker, 'filled');
      }
      const emptied = level.count === 0;
      if (emptied) book.remove(level);
      if (touched) this.emitLevel(taker.side === 'buy' ? 'sell' : 'buy', level);
      if (stopped) return true;
      if (!emptied) break; // the taker is satisfied (or can afford no more) inside this level
    }
    return false;
  }

  private fillMaker(maker: Order, level: Level, qty: number): void {
    maker.visible -= qty;
    maker.remaining -= qty;
    maker.filled += qty;
    level.qty -= qty;
    if (maker.remaining === 0) {
      level.unlink(maker);
      this.untrack(maker);
    } else if (maker.visible === 0) {
      // Iceberg refill: a fresh slice goes to the back of the queue.
      level.unlink(maker);
      maker.visible = Math.min(maker.displayQty, maker.remaining);
      level.push(maker);
    }
  }

  /** Applies the taker's STP mode to one same-account maker. Returns true when the taker is done. */
  private preventSelfTrade(taker: Order, maker: Order, level: Level): boolean {
    const mode = taker.stp === 'decrement_and_cancel' && taker.quoteLeft > 0 ? 'cancel_newest' : taker.stp;
    switch (mode) {
      case 'cancel_oldest':
        this.removeResting(maker, level, maker.remaining, 'stp');
        return false;
      case 'cancel_both':
        this.removeResting(maker, level, maker.remaining, 'stp');
        return true;
      case 'decrement_and_cancel': {
        // Both orders shrink (size and open quantity), so qty = filled + remaining still holds.
        const d = Math.min(taker.remaining, maker.remaining);
        taker.remaining -= d;
        taker.qty -= d;
        if (maker.remaining === d) {
          this.removeResting(maker, level, d, 'stp');
        } else {
          maker.remaining -= d;
          maker.qty -= d;
          const visible = Math.min(maker.visible, maker.remaining);
          level.qty -= maker.visible - visible;
          maker.visible = visible;
          this.emitCanceled(maker, d, 'stp');
        }
        if (taker.remaining === 0) {
          this.emitCanceled(taker, d, 'stp');
          return true;
        }
        this.emitCanceled(taker, d, 'stp');
        return false;
      }
      default: // cancel_newest
        return true;
    }
  }

  /**
   * FOK feasibility, exactly as matching would go, without changing anything. A same-account maker
   * stops the taker (unless its STP mode is none or cancel_oldest); ahead of that maker only visible
   * quantity can fill, because iceberg refills re-queue behind it.
   */
  private canFill(taker: Order): boolean {
    let need = taker.remaining;
    const book = taker.side === 'buy' ? this.asks : this.bids;
    const blocks = taker.stp !== 'none' && taker.stp !== 'cancel_oldest';
    for (let level = book.best; level; level = level.worse) {
      if (taker.price !== 0 && (taker.side === 'buy' ? level.price > taker.price : level.price < taker.price)) break;
      let visibleAhead = 0;
      let total = 0;
      for (let m = level.head; m; m = m.next) {
        if (m.accountId === taker.accountId && taker.stp !== 'none') {
          if (blocks) return need <= visibleAhead;
          continue;
        }
        visibleAhead += m.visible;
        total += m.remaining;
      }
      need -= total;
      if (need <= 0) return true;
    }
    return false;
  }

  private crossesBook(side: Side, price: number): boolean {
    const best = side === 'buy' ? this.asks.best : this.bids.best;
    return best !== null && (side === 'buy' ? best.price <= price : best.price >= price);
  }

  /** Fires every stop the last trade price has reached, cascading, earliest-accepted first on a tie between sides. */
  private triggerStops(): void {
    while (this.lastPrice !== null) {
      const last = this.lastPrice;
      const buy = this.buyStops.best;
      const sell = this.sellStops.best;
      const buyFires = buy !== null && last >= buy.price;
      const sellFires = sell !== null && last <= sell.price;
      if (!buyFires && !sellFires) return;
      const useBuy = buyFires && (!sellFires || buy!.head!.id < sell!.head!.id);
      const ladder = useBuy ? this.buyStops : this.sellStops;
      const level = useBuy ? buy! : sell!;
      const order = level.head!;
      level.unlink(order);
      if (level.count === 0) ladder.remove(level);
      order.orderType = order.orderType === 'stop_limit' ? 'limit' : 'market';
      order.ts = this.ts;
      this.out.push({
        type: 'triggered',
        seq: ++this.seq,
        ts: this.ts,
        orderId: order.id,
        accountId: order.accountId,
        stopPrice: order.stopPrice,
        lastPrice: last,
      });
      this.execute(order);
    }
  }

  // ---- book keeping ---------------------------------------------------------------------------

  private rest(order: Order): void {
    const ladder = order.side === 'buy' ? this.bids : this.asks;
    const known = this.placedLevel;
    const level = known !== null && known.price === order.price ? known : ladder.getOrCreate(order.price);
    order.visible = order.displayQty ? Math.min(order.displayQty, order.remaining) : order.remaining;
    level.push(order);
    this.track(order);
    this.emitLevel(order.side, level);
  }

  /** Takes a resting order out of its level (for a re-price); it stays tracked. */
  private unrest(order: Order, ladder: Ladder, level: Level): void {
    level.qty -= order.visible;
    level.unlink(order);
    order.visible = 0;
    if (level.count === 0) ladder.remove(level);
    this.emitLevel(order.side, level);
  }

  private removeResting(order: Order, level: Level, qty: number, reason: CancelReason): void {
    level.qty -= order.visible;
    level.unlink(order);
    this.untrack(order);
    this.emitCanceled(order, qty, reason);
    order.remaining = 0;
    order.visible = 0;
    this.emitDone(order, 'canceled');
  }

  private cancelOrder(order: Order, reason: CancelReason): void {
    const level = order.level!;
    const isStop = order.orderType === 'stop_limit' || order.orderType === 'stop_market';
    if (isStop) {
      level.unlink(order);
      if (level.count === 0) (order.side === 'buy' ? this.buyStops : this.sellStops).remove(level);
      this.untrack(order);
      this.emitCanceled(order, order.remaining, reason);
      order.remaining = 0;
      order.quoteLeft = 0;
      this.emitDone(order, 'canceled');
      return;
    }
    const side = order.side;
    this.removeResting(order, level, order.remaining, reason);
    if (level.count === 0) (side === 'buy' ? this.bids : this.asks).remove(level);
    this.emitLevel(side, level);
  }

  private track(order: Order): void {
    if (order.tracked) return;
    order.tracked = true;
    this.orders.add(order);
    let account = this.accounts.get(order.accountId);
    if (!account) this.accounts.set(order.accountId, (account = new AccountOrders()));
    account.add(order);
  }

  private untrack(order: Order): void {
    if (!order.tracked) return;
    order.tracked = false;
    this.orders.delete(order);
    const account = order.account!;
    account.remove(order);
    if (account.count === 0) this.accounts.delete(order.accountId);
  }

  private findOwned(cmd: { accountId: number; orderId?: number; clientOrderId?: string }): Order | undefined {
    const order =
      cmd.orderId !== undefined
        ? this.orders.get(cmd.orderId)
        : cmd.clientOrderId !== undefined
          ? this.accounts.get(cmd.accountId)?.byClientId.get(cmd.clientOrderId)
          : undefined;
    return order && order.accountId === cmd.accountId ? order : undefined;
  }

  // ---- events ---------------------------------------------------------------------------------

  private reject(command: CommandType, r: Reject, cmd: RejectSubject): void {
    this.pushReject(command, r.reason, r.field, cmd);
  }

  private pushReject(command: CommandType, reason: string, field: string | undefined, cmd: RejectSubject): void {
    this.out.push({
      type: 'rejected',
      seq: ++this.seq,
      ts: this.ts,
      command,
      reason,
      field,
      orderId: cmd.orderId,
      accountId: cmd.accountId,
      clientOrderId: cmd.clientOrderId,
      ...(command === 'place' ? placeTermsOf(cmd) : undefined),
    });
  }

  private emitLevel(side: Side, level: Level): void {
    this.out.push({
      type: 'level',
      seq: ++this.seq,
      ts: this.ts,
      side,
      price: level.price,
      qty: level.qty,
      count: level.count,
    });
  }

  private emitCanceled(order: Order, qty: number, reason: CancelReason): void {
    this.out.push({
      type: 'canceled',
      seq: ++this.seq,
      ts: this.ts,
      orderId: order.id,
      accountId: order.accountId,
      qty,
      quoteQty: order.quoteLeft > 0 ? order.quoteLeft : undefined,
      reason,
    });
  }

  /** The order's last event: it is out of every list now, so it goes back to the pool. */
  private emitDone(order: Order, reason: DoneReason): void {
    this.out.push({
      type: 'done',
      seq: ++this.seq,
      ts: this.ts,
      orderId: order.id,
      accountId: order.accountId,
      reason,
      filled: order.filled,
    });
    this.pool.release(order);
  }

  private emitAmended(order: Order, keptPriority: boolean): void {
    this.out.push({
      type: 'amended',
      seq: ++this.seq,
      ts: this.ts,
      orderId: order.id,
      accountId: order.accountId,
      price: order.price,
      qty: order.qty,
      remaining: order.remaining,
      keptPriority,
    });
  }

  // ---- views ----------------------------------------------------------------------------------

  bestBid(): number | undefined {
    return this.bids.best?.price;
  }

  bestAsk(): number | undefined {
    return this.asks.best?.price;
  }

  l1(): L1View {
    const view: L1View = { seq: this.seq };
    if (this.bids.best) view.bid = levelView(this.bids.best);
    if (this.asks.best) view.ask = levelView(this.asks.best);
    return view;
  }

  l2(depth = Infinity): L2View {
    return { seq: this.seq, bids: topLevels(this.bids, depth), asks: topLevels(this.asks, depth) };
  }

  l3(): L3View {
    return { seq: this.seq, bids: queueViews(this.bids), asks: queueViews(this.asks) };
  }

  order(orderId: number): OrderView | undefined {
    return this.orders.get(orderId)?.view();
  }

  openOrders(accountId: number): OrderView[] {
    const views: OrderView[] = [];
    for (let o = this.accounts.get(accountId)?.head ?? null; o; o = o.accountNext) views.push(o.view());
    return views;
  }

  snapshot(): BookSnapshot {
    return snapshotOf(this);
  }

  /** sha256 of the canonical snapshot: equal exactly when the books are equal. */
  stateHash(): string {
    return hashSnapshot(this.snapshot());
  }
}

const idOf = (o: Order): number => o.id;

const isStpMode = (m: string): boolean =>
  m === 'none' || m === 'cancel_oldest' || m === 'cancel_newest' || m === 'cancel_both' || m === 'decrement_and_cancel';

const levelView = (l: Level): PriceLevelView => ({ price: l.price, qty: l.qty, count: l.count });

function topLevels(ladder: Ladder, depth: number): PriceLevelView[] {
  const levels: PriceLevelView[] = [];
  for (let l = ladder.best; l && levels.length < depth; l = l.worse) levels.push(levelView(l));
  return levels;
}

export function queueViews(ladder: Ladder): OrderView[] {
  const views: OrderView[] = [];
  for (let l = ladder.best; l; l = l.worse) for (let o = l.head; o; o = o.next) views.push(o.view());
  return views;
}
