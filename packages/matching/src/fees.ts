/** Fee arithmetic in bigint minor units (ADR 0004). */
export const BPS = 10_000n;

/** ceil(notional × bps / 10⁴). */
export function feeFor(notionalMinor: bigint, bps: number): bigint {
  return (notionalMinor * BigInt(bps) + BPS - 1n) / BPS;
}

/** Fee of one fill when an order's cumulative notional goes from `before` to `after`: totals stay ceil(total × bps). */
export function fillFee(beforeMinor: bigint, afterMinor: bigint, bps: number): bigint {
  return feeFor(afterMinor, bps) - feeFor(beforeMinor, bps);
}

/** Largest notional N with N + ceil(N × bps / 10⁴) ≤ amount: floor(amount × 10⁴ / (10⁴ + bps)). */
export function budgetNetOfFee(amountMinor: bigint, bps: number): bigint {
  return (amountMinor * BPS) / (BPS + BigInt(bps));
}
