import { compileMarket, type Market } from '@exchange/units';
import type { FeeSchedule, OrderLock, Side } from '../src';
import { lockForPlace } from '../src';

/** tick 0.01 × lot 0.0001 = 1 quote minor unit (6 decimals): the harshest case for fee rounding. */
export const market: Market = compileMarket({
  symbol: 'BTCUSDT',
  base: { code: 'BTC', decimals: 8 },
  quote: { code: 'USDT', decimals: 6 },
  tickSize: '0.01',
  lotSize: '0.0001',
  minQty: '0.0001',
  minNotional: '0',
});

export const FEE_ACCOUNT = -1;

export function openLock(
  side: Side,
  fees: FeeSchedule,
  o: { price?: number; qty?: number; quoteQty?: string; orderType?: 'limit' | 'market' },
  id = 1,
  account = 10,
): OrderLock {
  const d = lockForPlace(market, fees, {
    side,
    orderType: o.orderType ?? 'limit',
    price: o.price === undefined ? undefined : market.formatPrice(o.price),
    qty: o.qty === undefined ? undefined : market.formatQty(o.qty),
    quoteQty: o.quoteQty,
  });
  if (d.type !== 'lock') throw new Error(`no lock: ${JSON.stringify(d)}`);
  return {
    orderId: id,
    accountId: account,
    side,
    kind: d.kind,
    asset: d.asset,
    price: d.price,
    qty: d.qty,
    filled: 0,
    locked: d.amount,
    notional: 0n,
    feeWeight: 0n,
    fees: 0n,
    makerBps: fees.makerBps,
    takerBps: fees.takerBps,
    commandId: `c${id}`,
    closed: false,
  };
}

/** A counterparty that can take anything: a huge sell (or buy) at an extreme price. */
export function counterparty(side: Side, fees: FeeSchedule): OrderLock {
  return side === 'sell'
    ? openLock('sell', fees, { price: 1, qty: 1e12 }, 999_999, 20)
    : openLock('buy', fees, { price: 1e9, qty: 1e9 }, 999_999, 20);
}
