/**
 * Postgres → JS conversions. node-pg returns int8 and NUMERIC as strings (by design: no silent
 * precision loss); ids, ticks and lots are safe integers, money stays bigint.
 */
import type { OrderLock } from '@exchange/ledger';

export const big = (v: string | number | bigint): bigint => BigInt(v);

export function int(v: string | number | null): number {
  if (v === null) throw new TypeError('unexpected NULL');
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${String(v)}`);
  return n;
}

export const intOrNull = (v: string | number | null): number | null => (v === null ? null : int(v));

export interface OrderLockRow {
  order_id: string;
  account: string;
  command_id: string;
  client_order_id: string | null;
  side: 'buy' | 'sell';
  kind: OrderLock['kind'];
  asset: string;
  price: string | null;
  qty: string | null;
  filled: string;
  locked: string;
  notional: string;
  fee_weight: string;
  fees: string;
  maker_bps: number;
  taker_bps: number;
  closed: boolean;
}

export const ORDER_LOCK_COLUMNS =
  'order_id, account, command_id, client_order_id, side, kind, asset, price, qty, filled, locked, notional, fee_weight, fees, maker_bps, taker_bps, closed';

export function toOrderLock(r: OrderLockRow): OrderLock & { clientOrderId: string | null } {
  return {
    orderId: int(r.order_id),
    accountId: int(r.account),
    side: r.side,
    kind: r.kind,
    asset: r.asset,
    price: intOrNull(r.price),
    qty: intOrNull(r.qty),
    filled: int(r.filled),
    locked: big(r.locked),
    notional: big(r.notional),
    feeWeight: big(r.fee_weight),
    fees: big(r.fees),
    makerBps: r.maker_bps,
    takerBps: r.taker_bps,
    commandId: r.command_id,
    closed: r.closed,
    clientOrderId: r.client_order_id,
  };
}
