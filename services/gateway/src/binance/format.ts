/**
 * Our orders and fills in Binance's shapes. Pure: decimal strings in, decimal strings out (the
 * market's canonical forms); quote sums are computed in bigint minor units, never in floats.
 */
import type { Fill as ApiFill, Order as ApiOrder } from '@exchange/client';
import { formatAmount, type Market } from '@exchange/units';

export type BinanceSide = 'BUY' | 'SELL';
export type BinanceOrderType = 'LIMIT' | 'LIMIT_MAKER' | 'MARKET' | 'STOP_LOSS_LIMIT' | 'STOP_LOSS';

/** Our self-trade prevention modes by Binance's names (EXPIRE_MAKER = cancel the resting order). */
export const STP_BY_BINANCE = {
  NONE: 'none',
  EXPIRE_TAKER: 'cancel_newest',
  EXPIRE_MAKER: 'cancel_oldest',
  EXPIRE_BOTH: 'cancel_both',
  DECREMENT: 'decrement_and_cancel',
} as const;
export type BinanceStp = keyof typeof STP_BY_BINANCE;
const STP_NAME = Object.fromEntries(Object.entries(STP_BY_BINANCE).map(([k, v]) => [v, k])) as Record<
  string,
  BinanceStp
>;

export function binanceType(o: Pick<ApiOrder, 'type' | 'postOnly'>): BinanceOrderType {
  switch (o.type) {
    case 'market':
      return 'MARKET';
    case 'stop_limit':
      return 'STOP_LOSS_LIMIT';
    case 'stop_market':
      return 'STOP_LOSS';
    default:
      return o.postOnly ? 'LIMIT_MAKER' : 'LIMIT';
  }
}

/** Σ price × qty of fills, in quote minor units, formatted in the quote asset. */
export function quoteOfFills(m: Market, fills: readonly Pick<ApiFill, 'price' | 'qty'>[]): string {
  let sum = 0n;
  for (const f of fills) sum += quoteMinor(m, f.price, f.qty);
  return formatAmount(sum, m.quote);
}

export function quoteMinor(m: Market, price: string, qty: string): bigint {
  const ticks = m.parsePrice(price);
  const lots = m.parseQty(qty);
  if (!ticks.ok || !lots.ok) throw new Error(`not a price/qty of ${m.symbol}: ${price} × ${qty}`);
  return m.notionalMinor(ticks.value, lots.value);
}

/** The order as GET /api/v3/order answers it. */
export function binanceOrder(o: ApiOrder, cummulativeQuoteQty: string) {
  const open = o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
  return {
    symbol: o.market,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId ?? '',
    // a market order's price is our protection bound, not a limit: Binance shows none
    price: o.type === 'market' || o.type === 'stop_market' ? '0' : (o.price ?? '0'),
    origQty: o.qty ?? '0',
    executedQty: o.filled,
    cummulativeQuoteQty,
    status: o.status,
    timeInForce: o.tif ?? 'GTC',
    type: binanceType(o),
    side: (o.side ?? 'buy').toUpperCase() as BinanceSide,
    stopPrice: o.stopPrice ?? '0',
    icebergQty: o.displayQty ?? '0',
    time: o.createdAt ?? 0,
    updateTime: o.updatedAt ?? 0,
    isWorking: open && o.type !== 'stop_limit' && o.type !== 'stop_market',
    workingTime: o.createdAt ?? 0,
    origQuoteOrderQty: o.quoteQty ?? '0',
    selfTradePreventionMode: o.stp ? (STP_NAME[o.stp] ?? 'NONE') : 'NONE',
  };
}
export type BinanceOrder = ReturnType<typeof binanceOrder>;

export function binanceFill(f: ApiFill) {
  return { price: f.price, qty: f.qty, commission: f.fee, commissionAsset: f.feeAsset, tradeId: f.tradeId };
}

export type RespType = 'ACK' | 'RESULT' | 'FULL';

/** POST /api/v3/order's answer in the requested shape. */
export function placeResponse(
  resp: RespType,
  o: ApiOrder & { fills: ApiFill[] },
  m: Market,
  transactTime: number,
): Record<string, unknown> {
  const ack = {
    symbol: o.market,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId ?? '',
    transactTime,
  };
  if (resp === 'ACK') return ack;
  const order = binanceOrder(o, quoteOfFills(m, o.fills));
  const result = { ...order, ...ack };
  return resp === 'FULL' ? { ...result, fills: o.fills.map(binanceFill) } : result;
}

/** DELETE /api/v3/order's answer. */
export function cancelResponse(order: BinanceOrder, cancelClientOrderId: string | undefined, transactTime: number) {
  return {
    ...order,
    origClientOrderId: order.clientOrderId,
    clientOrderId: cancelClientOrderId ?? order.clientOrderId,
    transactTime,
  };
}
