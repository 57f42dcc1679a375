/**
 * What an order must lock before the engine sees it. A lock is the most the order can ever spend,
 * so a fill never needs money that is not already held for it.
 */
import { budgetNetOfFee } from '@exchange/matching';
import type { LockRejectReason, PlaceCommand } from '@exchange/protocol';
import { parseAmount, type Market } from '@exchange/units';
import { BPS, ceilDiv, feesAtWeight, lockBps, maxBig } from './money';
import type { FeeSchedule, LockKind, OrderLock } from './types';

export type PlaceInput = Pick<PlaceCommand, 'side' | 'orderType' | 'price' | 'qty' | 'quoteQty'>;

export type LockDecision =
  | {
      type: 'lock';
      kind: LockKind;
      /** quote for buys, base for sells */
      asset: string;
      amount: bigint;
      price: number | null;
      qty: number | null;
    }
  /** Refused before the engine: forwarded with `r`, the engine records it as the outcome. */
  | { type: 'refuse'; reason: LockRejectReason }
  /**
   * Nothing to lock: the engine will reject the command itself (a value the market cannot
   * represent, a shape the book refuses), so it is forwarded as is.
   */
  | { type: 'none'; code: string; field: string };

/**
 * What a buy with `open` lots at `price` can still spend: their notional plus the fees it may still
 * be charged at the lock rate, given its fee weight so far. At placement (weight 0) this is
 * notional + ceil(notional·bps/10⁴).
 */
export function buyNeed(market: Market, price: number, open: number, feeWeight: bigint, bps: number): bigint {
  if (open <= 0) return 0n;
  const notional = market.notionalMinor(price, open);
  return notional + feesAtWeight(feeWeight + notional * BigInt(bps)) - feesAtWeight(feeWeight);
}

/** What an order's lock must still cover, for the kinds that track it exactly (limit and base). */
export function lockNeed(market: Market, lock: OrderLock): bigint | null {
  if (lock.kind === 'limit')
    return buyNeed(market, lock.price!, lock.qty! - lock.filled, lock.feeWeight, lockBps(lock));
  if (lock.kind === 'base') return market.lotsToBaseMinor(Math.max(0, lock.qty! - lock.filled));
  return null;
}

type Parsed = { ok: true; value: number } | { ok: false; code: string; field: string };

const none = (r: { code: string; field: string }): LockDecision => ({ type: 'none', code: r.code, field: r.field });

/**
 * The lock for a place, ADR 0031:
 * - buy limit / stop-limit, and market buy by qty with a protection price P: notional(P, qty) +
 *   ceil(notional × max(maker, taker) bps / 10⁴) in quote;
 * - market buy by qty without a protection price: refused, PROTECTION_PRICE_REQUIRED;
 * - buy by quote amount A (market, stop-market): A in quote (the engine budgets it net of fee);
 * - sell by qty: qty in base;
 * - sell by quote amount: only with a protection price P, then the lots the budget can buy at P,
 *   floor(budgetNetOfFee(A)/tickLot/P), in base; without one, PROTECTION_PRICE_REQUIRED.
 * Stop orders lock like what they become once triggered.
 */
export function lockForPlace(market: Market, fees: FeeSchedule, cmd: PlaceInput): LockDecision {
  const isMarket = cmd.orderType === 'market' || cmd.orderType === 'stop_market';
  const price: Parsed | undefined = cmd.price === undefined ? undefined : market.parsePrice(cmd.price, 'price');
  if (price && !price.ok) return none(price);
  const priceTicks = price?.ok ? price.value : null;

  if (cmd.qty !== undefined && cmd.quoteQty !== undefined)
    return { type: 'none', code: 'INVALID_QUANTITY', field: 'quoteQty' };

  if (cmd.quoteQty !== undefined) {
    if (!isMarket) return { type: 'none', code: 'INVALID_QUANTITY', field: 'quoteQty' };
    const amount = parseAmount(cmd.quoteQty, market.quote, 'quoteQty');
    if (!amount.ok) return none(amount);
    if (cmd.side === 'buy') {
      return {
        type: 'lock',
        kind: 'budget',
        asset: market.quote.code,
        amount: amount.value,
        price: priceTicks,
        qty: null,
      };
    }
    if (priceTicks === null) return { type: 'refuse', reason: 'PROTECTION_PRICE_REQUIRED' };
    const units = budgetNetOfFee(amount.value, fees.takerBps) / market.tickLotMinor;
    const lots = units / BigInt(priceTicks);
    if (lots < 1n) return { type: 'none', code: 'BELOW_MIN_NOTIONAL', field: 'quoteQty' };
    if (lots > BigInt(Number.MAX_SAFE_INTEGER)) return { type: 'none', code: 'OUT_OF_RANGE', field: 'quoteQty' };
    return {
      type: 'lock',
      kind: 'budget',
      asset: market.base.code,
      amount: market.lotsToBaseMinor(Number(lots)),
      price: priceTicks,
      qty: null,
    };
  }

  if (cmd.qty === undefined) return { type: 'none', code: 'INVALID_QUANTITY', field: 'qty' };
  const qty: Parsed = market.parseQty(cmd.qty, 'qty');
  if (!qty.ok) return none(qty);
  if (cmd.side === 'sell') {
    return {
      type: 'lock',
      kind: 'base',
      asset: market.base.code,
      amount: market.lotsToBaseMinor(qty.value),
      price: priceTicks,
      qty: qty.value,
    };
  }
  if (priceTicks === null) {
    return isMarket
      ? { type: 'refuse', reason: 'PROTECTION_PRICE_REQUIRED' }
      : { type: 'none', code: 'INVALID_PRICE', field: 'price' };
  }
  return {
    type: 'lock',
    kind: 'limit',
    asset: market.quote.code,
    amount: buyNeed(market, priceTicks, qty.value, 0n, lockBps(fees)),
    price: priceTicks,
    qty: qty.value,
  };
}

/** The price and total quantity an order would have if a pending (not yet settled) amend succeeded. */
export interface AmendTarget {
  price: number | null;
  qty: number | null;
}

export type AmendDecision = { type: 'lock'; amount: bigint } | { type: 'none'; code: string; field: string };

/**
 * The extra an amend must lock, decided by the lock stage from settlement's (possibly stale) view
 * of the order: `lock` as settled so far, plus the targets of amends already forwarded but not yet
 * settled. Whatever the engine did in between — fills at any price within the limit, any subset of
 * the pending amends succeeding — the extra covers what the amended order can need beyond what it
 * holds; settlement releases the surplus when it applies the `amended` event (ADR 0031).
 *
 * For a buy, at the moment of the amend the order holds buyNeed(Pc, Qc − f) for some current
 * (Pc, Qc) among the candidates and some filled f ∈ [settled filled, min(Qc, Q') − 1]; it needs
 * buyNeed(P', Q' − f). The difference is at most ΔN + ceil(ΔN·bps/10⁴) with ΔN the notional
 * difference, which is linear in f, so its maximum over f is at one end of the range.
 * For a sell the difference is (Q' − Qc) lots whatever the fills.
 */
export function amendExtraLock(
  market: Market,
  lock: OrderLock,
  pending: readonly AmendTarget[],
  amend: { price?: string; qty?: string },
): AmendDecision {
  let newPrice: number | undefined;
  let newQty: number | undefined;
  if (amend.price !== undefined) {
    const r = market.parsePrice(amend.price, 'price');
    if (!r.ok) return none(r) as AmendDecision;
    newPrice = r.value;
  }
  if (amend.qty !== undefined) {
    const r = market.parseQty(amend.qty, 'qty');
    if (!r.ok) return none(r) as AmendDecision;
    newQty = r.value;
  }
  if (lock.closed || lock.kind === 'budget' || lock.price === null || lock.qty === null) {
    return { type: 'none', code: 'AMEND_NOT_SUPPORTED', field: 'orderId' };
  }
  const prices = new Set<number>([lock.price]);
  const qtys = new Set<number>([lock.qty]);
  for (const t of pending) {
    if (t.price !== null) prices.add(t.price);
    if (t.qty !== null) qtys.add(t.qty);
  }
  const bps = BigInt(lockBps(lock));
  let extra = 0n;
  for (const pc of prices) {
    for (const qc of qtys) {
      const p2 = newPrice ?? pc;
      const q2 = newQty ?? qc;
      const fLo = lock.filled;
      const fHi = Math.min(qc, q2) - 1;
      if (fHi < fLo) continue; // the order would be done or the amend refused: nothing to cover
      for (const f of fLo === fHi ? [fLo] : [fLo, fHi]) {
        if (lock.side === 'sell') {
          extra = maxBig(extra, market.lotsToBaseMinor(Math.max(0, q2 - qc)));
          continue;
        }
        const dn = market.notionalMinor(p2, q2 - f) - market.notionalMinor(pc, qc - f);
        if (dn > 0n) extra = maxBig(extra, dn + ceilDiv(dn * bps, BPS));
      }
    }
  }
  return { type: 'lock', amount: extra };
}
