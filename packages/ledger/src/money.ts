/** Integer arithmetic shared by the rules (ADR 0004, ADR 0031). */
export const BPS = 10_000n;

/** ceil(a / b) for a ≥ 0, b > 0. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** Fees charged once an order's fee weight (Σ notional × bps) reaches `weight`. */
export function feesAtWeight(weight: bigint): bigint {
  return ceilDiv(weight, BPS);
}

/**
 * Fee of one fill of `notional` at `bps` for an order whose fee weight so far is `weight`:
 * ceil((weight + notional·bps)/10⁴) − ceil(weight/10⁴). With one rate this is exactly
 * `fillFee` of @exchange/matching, so an order's fees total ceil(total·bps/10⁴).
 */
export function fillFeeAtWeight(weight: bigint, notional: bigint, bps: number): bigint {
  return feesAtWeight(weight + notional * BigInt(bps)) - feesAtWeight(weight);
}

export const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** The rate a buy's fee headroom is locked at: it may end up maker or taker, so the higher one. */
export function lockBps(fees: { makerBps: number; takerBps: number }): number {
  return Math.max(fees.makerBps, fees.takerBps);
}
