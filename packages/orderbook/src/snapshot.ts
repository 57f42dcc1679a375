import { createHash } from 'node:crypto';
import type { OrderBook } from './book';
import { queueViews } from './book';
import { AccountOrders, Order } from './order';
import type { BookSnapshot, OrderView } from './types';

export function snapshotOf(book: OrderBook): BookSnapshot {
  return {
    version: 1,
    config: { ...book.config },
    seq: book.seq,
    tradeId: book.tradeId,
    lastPrice: book.lastPrice,
    halted: book.halted,
    lastOrderId: book.lastOrderId,
    bids: queueViews(book.bids),
    asks: queueViews(book.asks),
    stops: [...queueViews(book.buyStops), ...queueViews(book.sellStops)],
  };
}

const fromView = (v: OrderView): Order => {
  const o = new Order().init(
    v.orderId,
    v.accountId,
    v.clientOrderId,
    v.side,
    v.orderType,
    v.price,
    v.qty,
    v.remaining,
    v.quoteQty ?? 0,
    v.stopPrice ?? 0,
    v.tif,
    v.postOnly,
    v.displayQty ?? 0,
    v.stp,
    v.ts,
  );
  o.filled = v.filled;
  o.visible = v.visible;
  return o;
};

/** Rebuilds queues in snapshot order (that order is the time priority) and account lists by order id (acceptance order). */
export function restoreInto(book: OrderBook, snap: BookSnapshot): void {
  if (snap.version !== 1) throw new Error(`unsupported book snapshot version ${String(snap.version)}`);
  book.seq = snap.seq;
  book.tradeId = snap.tradeId;
  book.lastPrice = snap.lastPrice;
  book.halted = snap.halted;
  book.lastOrderId = snap.lastOrderId;
  const all: Order[] = [];
  for (const v of snap.bids) all.push(place(book.bids.getOrCreate(v.price), v));
  for (const v of snap.asks) all.push(place(book.asks.getOrCreate(v.price), v));
  for (const v of snap.stops) {
    const ladder = v.side === 'buy' ? book.buyStops : book.sellStops;
    all.push(place(ladder.getOrCreate(v.stopPrice!), v));
  }
  all.sort((a, b) => a.id - b.id);
  for (const o of all) {
    o.tracked = true;
    book.orders.add(o);
    let account = book.accounts.get(o.accountId);
    if (!account) book.accounts.set(o.accountId, (account = new AccountOrders()));
    account.add(o);
  }
}

function place(level: { push(o: Order): void }, v: OrderView): Order {
  const o = fromView(v);
  level.push(o);
  return o;
}

/** sha256 over the canonical JSON (fixed key order, orders in priority order). */
export function hashSnapshot(snap: BookSnapshot): string {
  return createHash('sha256').update(JSON.stringify(snap)).digest('hex');
}
