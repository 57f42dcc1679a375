/**
 * Reason codes, the error class and the Parsed result shared by every parser in this package.
 * Parsers of untrusted input never throw: they return a Parsed failure carrying a code, the name of
 * the offending field and a human-readable message. Only programmer errors (a bad asset or market
 * spec, a non-integer tick count) throw.
 */

export type UnitsErrorCode =
  /** input is not a string (numbers are refused: floats are not money) */
  | 'NOT_A_STRING'
  | 'EMPTY'
  /** anything not matching /^-?[0-9]+(\.[0-9]+)?$/, or longer than MAX_DECIMAL_LENGTH characters */
  | 'MALFORMED'
  /** '1e5', '1E-3' */
  | 'EXPONENT_FORM'
  /** '-1', '-0.5', '-0' */
  | 'NEGATIVE'
  /** '0', '0.000' where a positive value is required */
  | 'ZERO'
  /** more fractional digits (after stripping trailing zeros) than allowed */
  | 'TOO_PRECISE'
  /** above the supported maximum */
  | 'OUT_OF_RANGE'
  /** within precision but not a multiple of the tick size */
  | 'OFF_TICK'
  /** within precision but not a multiple of the lot size */
  | 'OFF_LOT'
  | 'BELOW_MIN_QTY'
  | 'BELOW_MIN_NOTIONAL'
  /** bad asset spec */
  | 'INVALID_ASSET'
  /** bad market spec */
  | 'INVALID_MARKET';

/** A rejection: what went wrong, in which field, explained. */
export interface UnitsIssue {
  code: UnitsErrorCode;
  field: string;
  message: string;
}

export class UnitsError extends Error {
  override readonly name = 'UnitsError';

  constructor(
    readonly code: UnitsErrorCode,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: UnitsErrorCode; field: string; message: string };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: UnitsErrorCode, field: string, message: string): Parsed<T> {
  return { ok: false, code, field, message };
}

/** The value of a successful parse; throws the failure as a UnitsError. */
export function unwrap<T>(parsed: Parsed<T>): T {
  if (parsed.ok) return parsed.value;
  throw new UnitsError(parsed.code, parsed.field, parsed.message);
}
