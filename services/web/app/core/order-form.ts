/**
 * The order ticket's rules, checked in the page before anything is sent: the market's units parse
 * price and quantity exactly as the gateway and the engine do (`@exchange/units`: never rounded, a
 * tick or lot error is the same code the API would answer), plus the book's rules on order type,
 * time in force and post-only, and the lock stage's need of a protection price on a market buy.
 */
import type { PlaceOrderRequest, Side, TimeInForce } from '@exchange/client';
import type { Market } from '@exchange/units';

export interface OrderTicket {
  side: Side;
  type: 'limit' | 'market';
  /** Limit price, or a market order's protection price (required to buy by quantity). */
  price: string;
  qty: string;
  tif: TimeInForce;
  postOnly: boolean;
}

export type TicketField = 'price' | 'qty' | 'tif' | 'postOnly';
export interface TicketIssue {
  field: TicketField;
  code: string;
  message: string;
}

export type TicketCheck = { ok: true; request: PlaceOrderRequest } | { ok: false; issues: TicketIssue[] };

export function checkTicket(market: Market, t: OrderTicket): TicketCheck {
  const issues: TicketIssue[] = [];
  const price = t.price.trim();
  const qty = t.qty.trim();
  let ticks: number | undefined;
  let lots: number | undefined;

  const needsPrice = t.type === 'limit' || t.side === 'buy';
  if (price === '') {
    if (needsPrice)
      issues.push({
        field: 'price',
        code: t.type === 'limit' ? 'EMPTY' : 'PROTECTION_PRICE_REQUIRED',
        message:
          t.type === 'limit'
            ? 'a limit order needs a price'
            : 'a market buy needs a protection price: the most it may pay (its cost is locked at that price)',
      });
  } else {
    const p = market.parsePrice(price, 'price');
    if (p.ok) ticks = p.value;
    else issues.push({ field: 'price', code: p.code, message: p.message });
  }

  if (qty === '') issues.push({ field: 'qty', code: 'EMPTY', message: 'enter a quantity' });
  else {
    const q = market.parseQty(qty, 'qty');
    if (q.ok) lots = q.value;
    else issues.push({ field: 'qty', code: q.code, message: q.message });
  }
  if (lots !== undefined) {
    const size = market.checkOrderSize({ lots, ticks });
    if (size) issues.push({ field: 'qty', code: size.code, message: size.message });
  }

  if (t.type === 'market' && t.tif === 'GTC')
    issues.push({ field: 'tif', code: 'INVALID_TIME_IN_FORCE', message: 'a market order is IOC or FOK, never GTC' });
  if (t.postOnly && (t.type !== 'limit' || t.tif !== 'GTC'))
    issues.push({ field: 'postOnly', code: 'INVALID_ORDER', message: 'post-only is for GTC limit orders only' });

  if (issues.length) return { ok: false, issues };
  const request: PlaceOrderRequest = { market: market.symbol, side: t.side, type: t.type, qty, tif: t.tif };
  if (price !== '') request.price = price;
  if (t.postOnly) request.postOnly = true;
  return { ok: true, request };
}
