/**
 * What settlement does with each event of an order, as pure functions from the order's lock state
 * to postings and the next state. Every result is balanced per asset (checked), and a lock never
 * goes below zero (checked): a violation throws LedgerInvariantError and stops settlement.
 */
import type { Market } from '@exchange/units';
import { LedgerInvariantError } from './errors';
import { lockNeed } from './locks';
import { fillFeeAtWeight } from './money';
import { aggregatePostings, assertBalanced, releasePostings } from './postings';
import type { OrderLock, Posting } from './types';

export interface TradeFill {
  price: number;
  qty: number;
  aggressor: 'buy' | 'sell';
}

export interface TradeSettlement {
  postings: Posting[];
  buy: OrderLock;
  sell: OrderLock;
  notional: bigint;
  buyerFee: bigint;
  sellerFee: bigint;
  /** Price improvement and fee headroom returned to the buyer's available balance. */
  buyerReleased: bigint;
}

function open(lock: OrderLock, what: string): void {
  if (lock.closed)
    throw new LedgerInvariantError('ORDER_CLOSED', `${what} for closed order ${lock.orderId}`, {
      orderId: lock.orderId,
    });
}

/**
 * One fill. Buyer: quote out of locked = notional + fee at the buyer's role rate (taker when the
 * buy was the aggressor), rounded cumulatively per order; base into available. Seller: base out of
 * locked; notional − seller's fee into available. Both fees to the fee account. A limit buy then
 * holds exactly what its open lots can still cost at its price, so the rest — price improvement
 * (P − p)·qty and the fee headroom no longer needed — goes back to available.
 */
export function settleTrade(
  market: Market,
  fill: TradeFill,
  buy: OrderLock,
  sell: OrderLock,
  feeAccount: number,
): TradeSettlement {
  open(buy, 'trade');
  open(sell, 'trade');
  if (buy.side !== 'buy' || sell.side !== 'sell') {
    throw new LedgerInvariantError(
      'ORDER_MISMATCH',
      `trade between ${buy.side} ${buy.orderId} and ${sell.side} ${sell.orderId}`,
    );
  }
  const notional = market.notionalMinor(fill.price, fill.qty);
  const baseAmount = market.lotsToBaseMinor(fill.qty);
  const quote = market.quote.code;
  const base = market.base.code;

  const buyerBps = fill.aggressor === 'buy' ? buy.takerBps : buy.makerBps;
  const sellerBps = fill.aggressor === 'sell' ? sell.takerBps : sell.makerBps;
  const buyerFee = fillFeeAtWeight(buy.feeWeight, notional, buyerBps);
  const sellerFee = fillFeeAtWeight(sell.feeWeight, notional, sellerBps);

  const nextBuy = spend(market, buy, fill.qty, notional, buyerBps, buyerFee, notional + buyerFee);
  const nextSell = spend(market, sell, fill.qty, notional, sellerBps, sellerFee, baseAmount);
  const buyerReleased = buy.locked - (notional + buyerFee) - nextBuy.locked;
  const sellerReleased = sell.locked - baseAmount - nextSell.locked;

  const postings = aggregatePostings([
    { account: buy.accountId, asset: quote, bucket: 'locked', amount: -(notional + buyerFee) },
    { account: sell.accountId, asset: quote, bucket: 'available', amount: notional - sellerFee },
    { account: feeAccount, asset: quote, bucket: 'available', amount: buyerFee + sellerFee },
    { account: sell.accountId, asset: base, bucket: 'locked', amount: -baseAmount },
    { account: buy.accountId, asset: base, bucket: 'available', amount: baseAmount },
    ...releasePostings(buy.accountId, buy.asset, buyerReleased),
    ...releasePostings(sell.accountId, sell.asset, sellerReleased),
  ]);
  assertBalanced(postings, `trade ${buy.orderId}/${sell.orderId}`);
  return { postings, buy: nextBuy, sell: nextSell, notional, buyerFee, sellerFee, buyerReleased };
}

/** The order after a fill that took `spent` out of its lock. */
function spend(
  market: Market,
  lock: OrderLock,
  qty: number,
  notional: bigint,
  bps: number,
  fee: bigint,
  spent: bigint,
): OrderLock {
  const next: OrderLock = {
    ...lock,
    filled: lock.filled + qty,
    notional: lock.notional + notional,
    feeWeight: lock.feeWeight + notional * BigInt(bps),
    fees: lock.fees + fee,
  };
  const afterSpend = lock.locked - spent;
  const need = lockNeed(market, next);
  next.locked = need ?? afterSpend;
  if (afterSpend < 0n || afterSpend < next.locked) {
    throw new LedgerInvariantError('LOCK_OVERSPENT', `order ${lock.orderId} spends more than it holds`, {
      orderId: lock.orderId,
      locked: lock.locked.toString(),
      spent: spent.toString(),
      need: next.locked.toString(),
    });
  }
  return next;
}

/** Done, or a rejected place: everything still held for the order goes back to available. */
export function settleRelease(lock: OrderLock): { postings: Posting[]; lock: OrderLock; released: bigint } {
  if (lock.locked < 0n)
    throw new LedgerInvariantError('NEGATIVE_LOCK', `order ${lock.orderId} holds a negative amount`);
  return {
    postings: releasePostings(lock.accountId, lock.asset, lock.locked),
    lock: { ...lock, locked: 0n, closed: true },
    released: lock.locked,
  };
}

/**
 * An `amended` event: the order now has `price` and total `qty`. It holds its lock plus `extra`
 * (what the lock stage locked for this amend command); it keeps what the new terms can cost and
 * releases the rest. Holding less than that would mean the lock stage under-locked: an invariant
 * error, never a silent overdraft.
 */
export function settleAmended(
  market: Market,
  lock: OrderLock,
  extra: bigint,
  price: number,
  qty: number,
): { postings: Posting[]; lock: OrderLock; released: bigint } {
  open(lock, 'amend');
  const next: OrderLock = { ...lock, price, qty };
  const need = lockNeed(market, next);
  if (need === null) throw new LedgerInvariantError('ORDER_MISMATCH', `amend of ${lock.kind} order ${lock.orderId}`);
  const held = lock.locked + extra;
  if (held < need) {
    throw new LedgerInvariantError('AMEND_UNDERLOCKED', `amend of order ${lock.orderId} needs more than was locked`, {
      orderId: lock.orderId,
      held: held.toString(),
      need: need.toString(),
    });
  }
  next.locked = need;
  return { postings: releasePostings(lock.accountId, lock.asset, held - need), lock: next, released: held - need };
}
