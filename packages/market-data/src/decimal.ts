/**
 * Exact comparison of the non-negative canonical decimal strings the engine publishes
 * (`Market.formatPrice` / `formatQty`: no sign, no exponent, no leading zeros in the integer part
 * except a lone "0", no trailing zeros in the fraction). Never through a float.
 */
export function compareDecimal(a: string, b: string): number {
  if (a === b) return 0;
  const da = a.indexOf('.');
  const db = b.indexOf('.');
  const ia = da < 0 ? a.length : da;
  const ib = db < 0 ? b.length : db;
  if (ia !== ib) return ia < ib ? -1 : 1;
  // Same integer length: plain string order compares the integer parts, then the fractions digit by
  // digit from the left (a missing digit counts as lower, which is right with no trailing zeros).
  const ap = da < 0 ? a : a.slice(0, da) + a.slice(da + 1);
  const bp = db < 0 ? b : b.slice(0, db) + b.slice(db + 1);
  return ap < bp ? -1 : ap > bp ? 1 : 0;
}

/** True for "0", "0.0", "0.000"… (a level with this quantity is gone). */
export function isZeroDecimal(q: string): boolean {
  for (let i = 0; i < q.length; i++) {
    const c = q.charCodeAt(i);
    if (c !== 48 && c !== 46) return false;
  }
  return true;
}

const CANONICAL = /^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/;

/** Is `s` a canonical non-negative decimal (the only form the feed accepts)? */
export function isCanonicalDecimal(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 64 && CANONICAL.test(s);
}
