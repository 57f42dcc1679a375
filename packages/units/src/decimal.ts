/**
 * Exact decimal strings. A plain decimal string is scanned into an integer coefficient and a scale
 * (value = coef / 10^scale) with string and bigint operations only; decimal.js is used solely to hand
 * out a Decimal from parseDecimal, configured so it cannot round any value this package accepts.
 */
import Decimal from 'decimal.js';

import { fail, ok, type Parsed } from './errors';

/** Max ticks, lots and tick·lot units: every book quantity is a JS safe integer. */
export const MAX_BOOK_UNITS = Number.MAX_SAFE_INTEGER;
/** Max fractional digits of an asset. */
export const MAX_ASSET_DECIMALS = 18;
/** Minor-unit amounts must be < 10^36 (fits SQL NUMERIC(38,0)). */
export const MAX_MINOR_DIGITS = 36;
/**
 * Longest decimal string accepted (MALFORMED beyond). Bounds the work done on untrusted input; every
 * legitimate value (at most 36 integer digits and 18 fractional digits) is far shorter.
 */
export const MAX_DECIMAL_LENGTH = 100;

/**
 * decimal.js configured to never round what it is given: precision (significant digits) well above
 * MAX_DECIMAL_LENGTH, and toString never switches to exponent notation for values in our range.
 */
export const ExactDecimal = Decimal.clone({
  precision: 1000,
  rounding: Decimal.ROUND_DOWN,
  toExpNeg: -1000,
  toExpPos: 1000,
});
export type ExactDecimal = Decimal;

/**
 * A non-negative decimal value coef / 10^scale in canonical form: scale is the number of fractional
 * digits after stripping trailing zeros, so scale > 0 implies coef is not a multiple of 10; zero is
 * {coef: 0n, scale: 0}.
 */
export interface Fixed {
  coef: bigint;
  scale: number;
}

const PLAIN = /^-?([0-9]+)(?:\.([0-9]+))?$/;
const EXPONENT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$/;

const POW10: bigint[] = [];
/** 10^n as a bigint (n a non-negative integer). */
export function pow10(n: number): bigint {
  if (n < 64) {
    let p = POW10[n];
    if (p === undefined) {
      p = 10n ** BigInt(n);
      POW10[n] = p;
    }
    return p;
  }
  return 10n ** BigInt(n);
}

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (typeof input === 'number') return `the number ${String(input)} (send amounts as decimal strings)`;
  return `a value of type ${typeof input}`;
}

function stripTrailingZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 48 /* '0' */) end--;
  return end === digits.length ? digits : digits.slice(0, end);
}

/**
 * Scans an untrusted value as a plain, non-negative decimal string. Checks, in order: NOT_A_STRING,
 * EMPTY, MALFORMED (including over-long), EXPONENT_FORM, NEGATIVE (any leading '-', even '-0'), ZERO
 * (unless allowZero) and TOO_PRECISE (more than maxDecimals fractional digits once trailing zeros are
 * stripped). Leading zeros are accepted ('00012.50' is 12.5).
 */
export function scanDecimal(input: unknown, field: string, maxDecimals?: number, allowZero = false): Parsed<Fixed> {
  if (typeof input !== 'string')
    return fail('NOT_A_STRING', field, `${field} must be a decimal string, got ${describe(input)}`);
  if (input.length === 0) return fail('EMPTY', field, `${field} must not be empty`);
  if (input.length > MAX_DECIMAL_LENGTH) {
    return fail('MALFORMED', field, `${field} is longer than ${MAX_DECIMAL_LENGTH} characters`);
  }
  const m = PLAIN.exec(input);
  if (m === null) {
    if (EXPONENT.test(input)) {
      return fail('EXPONENT_FORM', field, `${field} must be written without an exponent, got ${JSON.stringify(input)}`);
    }
    return fail(
      'MALFORMED',
      field,
      `${field} must be a plain decimal string like "12.34" (ASCII digits, optional '.' followed by digits), got ${JSON.stringify(input)}`,
    );
  }
  if (input.charCodeAt(0) === 45 /* '-' */)
    return fail('NEGATIVE', field, `${field} must not be negative, got ${input}`);
  const frac = stripTrailingZeros(m[2] ?? '');
  const coef = BigInt((m[1] ?? '') + frac);
  if (coef === 0n) {
    if (!allowZero) return fail('ZERO', field, `${field} must be greater than zero`);
    return ok({ coef: 0n, scale: 0 });
  }
  if (maxDecimals !== undefined && frac.length > maxDecimals) {
    return fail('TOO_PRECISE', field, `${field} has more than ${maxDecimals} decimal places: ${input}`);
  }
  return ok({ coef, scale: frac.length });
}

/** coef / 10^scale as a canonical minimal decimal string: no exponent, no trailing fractional zeros, '0' for zero. */
export function formatScaled(coef: bigint, scale: number): string {
  const negative = coef < 0n;
  let s = (negative ? -coef : coef).toString();
  if (scale > 0) {
    s = s.padStart(scale + 1, '0');
    const int = s.slice(0, s.length - scale);
    const frac = stripTrailingZeros(s.slice(s.length - scale));
    s = frac.length > 0 ? `${int}.${frac}` : int;
  }
  return negative ? `-${s}` : s;
}

function checkMaxDecimals(maxDecimals: number | undefined): void {
  if (maxDecimals !== undefined && !(Number.isSafeInteger(maxDecimals) && maxDecimals >= 0)) {
    throw new RangeError(`maxDecimals must be a non-negative integer, got ${String(maxDecimals)}`);
  }
}

/**
 * Parses a plain decimal string into an exact Decimal (an ExactDecimal instance). Rejects with
 * NOT_A_STRING, EMPTY, MALFORMED, EXPONENT_FORM, NEGATIVE, ZERO (unless allowZero) or TOO_PRECISE
 * (more than maxDecimals fractional digits after stripping trailing zeros). Never throws on input.
 */
export function parseDecimal(
  input: unknown,
  field: string,
  opts: { maxDecimals?: number; allowZero?: boolean } = {},
): Parsed<Decimal> {
  checkMaxDecimals(opts.maxDecimals);
  const scanned = scanDecimal(input, field, opts.maxDecimals, opts.allowZero ?? false);
  if (!scanned.ok) return scanned;
  const canonical = formatScaled(scanned.value.coef, scanned.value.scale);
  const value = new ExactDecimal(canonical);
  // Cannot fail with precision 1000 on <= 100 characters; guards against a misconfigured clone.
  if (value.toString() !== canonical) throw new Error(`decimal.js altered ${canonical} into ${value.toString()}`);
  return ok(value);
}
