/**
 * The account's open orders in one market, kept from the REST list and then from the private
 * channel's order updates (`acct:{id}` → `orders`), so the table moves with the book rather than
 * with a poll. Pure: the page re-reads the REST list now and then to reconcile.
 */
import type { FeedServerMessage, Order } from '@exchange/client';
import { ExactDecimal } from '@exchange/units';

type OrdersMessage = Extract<FeedServerMessage, { type: 'orders' }>;
export type OpenOrder = Pick<
  Order,
  'orderId' | 'clientOrderId' | 'market' | 'side' | 'type' | 'tif' | 'price' | 'qty' | 'filled'
>;

export function toOpenOrder(o: Order): OpenOrder {
  const { orderId, clientOrderId, market, side, type, tif, price, qty, filled } = o;
  return { orderId, clientOrderId, market, side, type, tif, price, qty, filled };
}

/** Applies one `orders` message; returns a new map (orders of other markets are left alone). */
export function applyOrderUpdates(open: ReadonlyMap<number, OpenOrder>, msg: OrdersMessage): Map<number, OpenOrder> {
  const next = new Map(open);
  for (const u of msg.updates) {
    switch (u.kind) {
      case 'accepted':
        // Only orders that can rest: a limit GTC, or a stop waiting for its trigger.
        if ((u.orderType === 'limit' && u.tif === 'GTC') || u.orderType.startsWith('stop'))
          next.set(u.orderId, {
            orderId: u.orderId,
            clientOrderId: u.clientOrderId ?? null,
            market: msg.market,
            side: u.side,
            type: u.orderType,
            tif: u.tif,
            price: u.price ?? null,
            qty: u.qty ?? null,
            filled: '0',
          });
        break;
      case 'fill': {
        const o = next.get(u.orderId);
        if (o) next.set(u.orderId, { ...o, filled: new ExactDecimal(o.filled).plus(u.qty).toFixed() });
        break;
      }
      case 'amended': {
        const o = next.get(u.orderId);
        if (o) next.set(u.orderId, { ...o, price: u.price, qty: u.qty });
        break;
      }
      case 'done':
        next.delete(u.orderId);
        break;
      default:
    }
  }
  return next;
}
