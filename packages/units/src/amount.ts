/** Asset amounts: decimal strings <-> bigint minor units (amount × 10^decimals), exactly. */
import { fail, ok, UnitsError, type Parsed } from './errors';
import { formatScaled, MAX_ASSET_DECIMALS, MAX_MINOR_DIGITS, pow10, scanDecimal } from './decimal';

export interface AssetSpec {
  /** /^[A-Z0-9]{1,12}$/ */
  code: string;
  /** integer 0..MAX_ASSET_DECIMALS: minor units per unit = 10^decimals */
  decimals: number;
}

const ASSET_CODE = /^[A-Z0-9]{1,12}$/;

/** Exclusive upper bound of a minor-unit amount: 10^36. */
export const MINOR_LIMIT = pow10(MAX_MINOR_DIGITS);

/** Throws UnitsError('INVALID_ASSET', field) unless asset is a well-formed AssetSpec. */
export function assertAssetSpec(asset: unknown, field = 'asset'): asserts asset is AssetSpec {
  if (typeof asset !== 'object' || asset === null) {
    throw new UnitsError('INVALID_ASSET', field, `${field} must be an object {code, decimals}`);
  }
  const { code, decimals } = asset as Partial<Record<keyof AssetSpec, unknown>>;
  if (typeof code !== 'string' || !ASSET_CODE.test(code)) {
    throw new UnitsError(
      'INVALID_ASSET',
      `${field}.code`,
      `${field}.code must be 1-12 characters A-Z or 0-9, got ${JSON.stringify(code) ?? String(code)}`,
    );
  }
  if (typeof decimals !== 'number' || !Number.isInteger(decimals) || decimals < 0 || decimals > MAX_ASSET_DECIMALS) {
    throw new UnitsError(
      'INVALID_ASSET',
      `${field}.decimals`,
      `${field}.decimals of ${code} must be an integer 0..${MAX_ASSET_DECIMALS}, got ${String(decimals)}`,
    );
  }
}

/**
 * Parses an asset amount into minor units. Codes: NOT_A_STRING, EMPTY, MALFORMED, EXPONENT_FORM,
 * NEGATIVE, ZERO (unless allowZero), TOO_PRECISE (more fractional digits than asset.decimals),
 * OUT_OF_RANGE (>= 10^36 minor units). Throws UnitsError INVALID_ASSET for a bad asset spec.
 */
export function parseAmount(
  input: unknown,
  asset: AssetSpec,
  field = 'amount',
  opts: { allowZero?: boolean } = {},
): Parsed<bigint> {
  assertAssetSpec(asset);
  const scanned = scanDecimal(input, field, asset.decimals, opts.allowZero ?? false);
  if (!scanned.ok) return scanned;
  const minor = scanned.value.coef * pow10(asset.decimals - scanned.value.scale);
  if (minor >= MINOR_LIMIT) {
    return fail(
      'OUT_OF_RANGE',
      field,
      `${field} must be below 10^${MAX_MINOR_DIGITS - asset.decimals} ${asset.code}, got ${input as string}`,
    );
  }
  return ok(minor);
}

/** Minor units -> canonical minimal decimal string (150000000n, 8 decimals -> '1.5'; 0n -> '0'; negatives keep '-'). */
export function formatAmount(minor: bigint, asset: AssetSpec): string {
  assertAssetSpec(asset);
  if (typeof minor !== 'bigint') throw new TypeError(`minor units must be a bigint, got ${typeof minor}`);
  return formatScaled(minor, asset.decimals);
}
