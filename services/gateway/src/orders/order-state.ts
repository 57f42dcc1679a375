import type { BookEvent, OrderType, Side, StpMode, TimeInForce, TradeEvent } from '@exchange/orderbook';
import { fillFee, type MarketConfig } from '@exchange/matching';
import type { Fill as ApiFill, Order as ApiOrder, OrderStatus } from '@exchange/client';
import type { Market } from '@exchange/units';
import { formatAmount } from '@exchange/units';

/**
 * An order as the read model keeps it, in integer units (ticks, lots, tick·lot units, bigint quote
 * minor units). One pure function folds book events into it; the projection and the live answer of
 * an order request both use it, so they cannot disagree.
 */
export interface OrderState {
  orderId: number;
  market: string;
  accountId: number;
  clientOrderId: string | null;
  side: Side | null;
  orderType: OrderType | null;
  tif: TimeInForce | null;
  postOnly: boolean | null;
  stp: StpMode | null;
  price: number | null;
  stopPrice: number | null;
  qty: number | null;
  quoteQty: number | null;
  displayQty: number | null;
  filled: number;
  filledQuote: bigint;
  fee: bigint;
  status: OrderStatus;
  rejectReason: string | null;
  cancelReason: string | null;
  createdSeq: number;
  updatedSeq: number;
  createdTs: number;
  updatedTs: number;
}

export interface FillState {
  market: string;
  tradeId: number;
  role: 'maker' | 'taker';
  orderId: number;
  accountId: number;
  side: Side;
  price: number;
  qty: number;
  fee: bigint;
  seq: number;
  ts: number;
}

export const OPEN_STATUSES: readonly OrderStatus[] = ['NEW', 'PARTIALLY_FILLED'];
const EXPIRING_CANCELS = new Set(['ioc', 'fok', 'stp']);

function blank(market: string, e: { orderId: number; accountId: number; seq: number; ts: number }): OrderState {
  return {
    orderId: e.orderId,
    market,
    accountId: e.accountId,
    clientOrderId: null,
    side: null,
    orderType: null,
    tif: null,
    postOnly: null,
    stp: null,
    price: null,
    stopPrice: null,
    qty: null,
    quoteQty: null,
    displayQty: null,
    filled: 0,
    filledQuote: 0n,
    fee: 0n,
    status: 'NEW',
    rejectReason: null,
    cancelReason: null,
    createdSeq: e.seq,
    updatedSeq: e.seq,
    createdTs: e.ts,
    updatedTs: e.ts,
  };
}

/**
 * Applies one event to the orders it concerns (`orders` is read and updated in place; an order
 * missing from it is unknown and its update is skipped, except for its creation). Returns the fills
 * a trade produced.
 */
export function applyEvent(
  orders: Map<number, OrderState>,
  market: { config: MarketConfig; units: Market },
  e: BookEvent,
): FillState[] {
  const symbol = market.config.symbol;
  const touch = (o: OrderState) => {
    o.updatedSeq = e.seq;
    o.updatedTs = e.ts;
  };
  switch (e.type) {
    case 'accepted': {
      const o = blank(symbol, e);
      Object.assign(o, {
        clientOrderId: e.clientOrderId ?? null,
        side: e.side,
        orderType: e.orderType,
        tif: e.tif,
        postOnly: e.postOnly,
        stp: e.stp,
        price: e.price ?? null,
        stopPrice: e.stopPrice ?? null,
        qty: e.qty ?? null,
        quoteQty: e.quoteQty ?? null,
        displayQty: e.displayQty ?? null,
      });
      orders.set(o.orderId, o);
      return [];
    }
    case 'rejected': {
      if (e.command !== 'place' || e.orderId === undefined || e.accountId === undefined) return [];
      if (orders.has(e.orderId)) return [];
      const o = blank(symbol, { orderId: e.orderId, accountId: e.accountId, seq: e.seq, ts: e.ts });
      o.clientOrderId = e.clientOrderId ?? null;
      // the place's terms, when its event carries them (ADR 0006); amounts it never does
      o.side = e.side ?? null;
      o.orderType = e.orderType ?? null;
      o.tif = e.tif ?? null;
      // a place without postOnly is not post-only, as the book reads it
      o.postOnly = e.postOnly ?? (e.orderType === undefined ? null : false);
      o.stp = e.stp ?? null;
      o.status = 'REJECTED';
      o.rejectReason = e.reason;
      orders.set(o.orderId, o);
      return [];
    }
    case 'trade':
      return tradeFills(orders, market, e);
    case 'canceled': {
      const o = orders.get(e.orderId);
      if (o) {
        o.cancelReason = e.reason;
        touch(o);
      }
      return [];
    }
    case 'amended': {
      const o = orders.get(e.orderId);
      if (o) {
        o.price = e.price;
        o.qty = e.qty;
        touch(o);
      }
      return [];
    }
    case 'done': {
      const o = orders.get(e.orderId);
      if (o) {
        o.filled = e.filled;
        o.status =
          e.reason === 'filled' ? 'FILLED' : EXPIRING_CANCELS.has(o.cancelReason ?? '') ? 'EXPIRED' : 'CANCELED';
        touch(o);
      }
      return [];
    }
    default:
      return [];
  }
}

function tradeFills(
  orders: Map<number, OrderState>,
  market: { config: MarketConfig; units: Market },
  e: TradeEvent,
): FillState[] {
  const notional = market.units.notionalMinor(e.price, e.qty);
  const fills: FillState[] = [];
  const sides: Array<['maker' | 'taker', number, number, Side]> = [
    ['maker', e.makerOrderId, e.makerAccountId, e.aggressor === 'buy' ? 'sell' : 'buy'],
    ['taker', e.takerOrderId, e.takerAccountId, e.aggressor],
  ];
  for (const [role, orderId, accountId, side] of sides) {
    const o = orders.get(orderId);
    let fee = 0n;
    if (o) {
      const bps = role === 'maker' ? market.config.makerFeeBps : market.config.takerFeeBps;
      fee = fillFee(o.filledQuote, o.filledQuote + notional, bps);
      o.filledQuote += notional;
      o.fee += fee;
      o.filled += e.qty;
      if (o.status === 'NEW') o.status = 'PARTIALLY_FILLED';
      o.updatedSeq = e.seq;
      o.updatedTs = e.ts;
    }
    fills.push({
      market: market.config.symbol,
      tradeId: e.tradeId,
      role,
      orderId,
      accountId,
      side,
      price: e.price,
      qty: e.qty,
      fee,
      seq: e.seq,
      ts: e.ts,
    });
  }
  return fills;
}

const fmt = <T>(v: number | null, f: (n: number) => T): T | null => (v === null ? null : f(v));

export function toApiOrder(o: OrderState, market: { config: MarketConfig; units: Market }): ApiOrder {
  const u = market.units;
  return {
    orderId: o.orderId,
    clientOrderId: o.clientOrderId,
    market: o.market,
    side: o.side,
    type: o.orderType,
    tif: o.tif,
    postOnly: o.postOnly,
    stp: o.stp,
    price: fmt(o.price, u.formatPrice),
    stopPrice: fmt(o.stopPrice, u.formatPrice),
    qty: fmt(o.qty, u.formatQty),
    quoteQty: fmt(o.quoteQty, u.formatQuoteQty),
    displayQty: fmt(o.displayQty, u.formatQty),
    filled: u.formatQty(o.filled),
    fee: formatAmount(o.fee, u.quote),
    status: o.status,
    rejectReason: o.rejectReason,
    createdAt: o.createdTs,
    updatedAt: o.updatedTs,
  };
}

export function toApiFill(f: FillState, market: { units: Market }): ApiFill {
  const u = market.units;
  return {
    tradeId: f.tradeId,
    market: f.market,
    orderId: f.orderId,
    side: f.side,
    role: f.role,
    price: u.formatPrice(f.price),
    qty: u.formatQty(f.qty),
    fee: formatAmount(f.fee, u.quote),
    feeAsset: u.quote.code,
    ts: f.ts,
  };
}
