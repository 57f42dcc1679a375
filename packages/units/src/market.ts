/**
 * Markets: a validated spec compiled into the integer units the order book works in.
 *   price     -> ticks            (price / tickSize)
 *   qty       -> lots             (qty / lotSize, base)
 *   quote qty -> tick·lot units   (amount / (tickSize × lotSize), quote)
 * and back, plus exact bigint conversions into asset minor units for balances and settlement.
 */
import { fail, ok, UnitsError, type Parsed, type UnitsErrorCode, type UnitsIssue } from './errors';
import { type Fixed, formatScaled, MAX_BOOK_UNITS, MAX_MINOR_DIGITS, pow10, scanDecimal } from './decimal';
import { assertAssetSpec, MINOR_LIMIT, type AssetSpec } from './amount';

export interface MarketSpec {
  /** /^[A-Z0-9]{2,20}$/ e.g. 'BTCUSDT' */
  symbol: string;
  base: AssetSpec;
  quote: AssetSpec;
  /** price increment, quote per 1 base, e.g. '0.01' */
  tickSize: string;
  /** quantity increment in base, e.g. '0.00001' */
  lotSize: string;
  /** in base, a positive multiple of lotSize */
  minQty: string;
  /** in quote, >= 0 ('0' = no minimum), representable in quote minor units */
  minNotional: string;
}

export interface Market {
  readonly spec: MarketSpec;
  readonly symbol: string;
  readonly base: AssetSpec;
  readonly quote: AssetSpec;
  /** fractional digits of tickSize (normalized, e.g. '0.010' -> 2) */
  readonly priceDecimals: number;
  /** fractional digits of lotSize (normalized) */
  readonly qtyDecimals: number;
  /** base minor units in one lot, e.g. lot 0.00001 BTC with 8 decimals -> 1000n */
  readonly lotMinor: bigint;
  /** quote minor units of 1 tick × 1 lot (tickSize × lotSize × 10^quote.decimals), a positive integer */
  readonly tickLotMinor: bigint;
  readonly minQtyLots: number;
  /** minNotional in quote minor units */
  readonly minNotionalMinor: bigint;
  /** price string -> ticks. NOT_A_STRING/EMPTY/MALFORMED/EXPONENT_FORM/NEGATIVE/ZERO/TOO_PRECISE/OUT_OF_RANGE/OFF_TICK. */
  parsePrice(input: unknown, field?: string): Parsed<number>;
  /** qty string (base) -> lots. As parsePrice with OFF_LOT; does not check minQty (see checkOrderSize). */
  parseQty(input: unknown, field?: string): Parsed<number>;
  /** quote amount string -> tick·lot units. TOO_PRECISE beyond priceDecimals + qtyDecimals digits, OFF_TICK if not a multiple of tickSize × lotSize. */
  parseQuoteQty(input: unknown, field?: string): Parsed<number>;
  /**
   * lots >= minQtyLots (BELOW_MIN_QTY, field 'qty'); with ticks, notional >= minNotional
   * (BELOW_MIN_NOTIONAL, field 'qty'); with quoteUnits, quoteUnits × tickLotMinor >= minNotional
   * (BELOW_MIN_NOTIONAL, field 'quoteQty'). null when fine.
   */
  checkOrderSize(args: { lots?: number; ticks?: number; quoteUnits?: number }): UnitsIssue | null;
  /** ticks -> canonical minimal price string, e.g. 6512345 ticks of 0.01 -> '65123.45' */
  formatPrice(ticks: number): string;
  /** lots -> canonical minimal base quantity string */
  formatQty(lots: number): string;
  /** tick·lot units -> canonical minimal quote amount string */
  formatQuoteQty(units: number): string;
  /** exact quote minor units of price × qty: BigInt(ticks) × BigInt(lots) × tickLotMinor */
  notionalMinor(ticks: number, lots: number): bigint;
  /** BigInt(units) × tickLotMinor */
  quoteUnitsToMinor(units: number): bigint;
  /** BigInt(lots) × lotMinor */
  lotsToBaseMinor(lots: number): bigint;
}

const SYMBOL = /^[A-Z0-9]{2,20}$/;
const MAX_UNITS_BIG = BigInt(MAX_BOOK_UNITS);

function invalid(field: string, message: string): UnitsError {
  return new UnitsError('INVALID_MARKET', field, `${field}: ${message}`);
}

/** A spec decimal field, or INVALID_MARKET carrying the underlying reason. */
function specDecimal(spec: MarketSpec, field: keyof MarketSpec & string, allowZero: boolean): Fixed {
  const scanned = scanDecimal(spec[field], field, undefined, allowZero);
  if (!scanned.ok) throw invalid(field, `${scanned.message} (${scanned.code})`);
  return scanned.value;
}

/** num / den when it divides exactly, else undefined. */
function exactDiv(num: bigint, den: bigint): bigint | undefined {
  return num % den === 0n ? num / den : undefined;
}

/** Throws RangeError unless n is a safe integer (ticks, lots and units handed in by code, not users). */
function assertSafeInteger(n: number, name: string): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${name} must be a safe integer, got ${String(n)}`);
}

/**
 * Validates a market spec and compiles it. Throws UnitsError INVALID_ASSET for a bad base/quote
 * (field 'base.code' etc.) and INVALID_MARKET for anything else, the field naming the spec entry.
 */
export function compileMarket(spec: MarketSpec): Market {
  if (typeof spec !== 'object' || spec === null) throw invalid('spec', 'market spec must be an object');
  if (typeof spec.symbol !== 'string' || !SYMBOL.test(spec.symbol)) {
    throw invalid(
      'symbol',
      `must be 2-20 characters A-Z or 0-9, got ${JSON.stringify(spec.symbol) ?? String(spec.symbol)}`,
    );
  }
  assertAssetSpec(spec.base, 'base');
  assertAssetSpec(spec.quote, 'quote');
  if (spec.base.code === spec.quote.code) throw invalid('quote', `base and quote are both ${spec.base.code}`);

  const base: AssetSpec = Object.freeze({ code: spec.base.code, decimals: spec.base.decimals });
  const quote: AssetSpec = Object.freeze({ code: spec.quote.code, decimals: spec.quote.decimals });
  const frozenSpec: MarketSpec = Object.freeze({
    symbol: spec.symbol,
    base,
    quote,
    tickSize: spec.tickSize,
    lotSize: spec.lotSize,
    minQty: spec.minQty,
    minNotional: spec.minNotional,
  });

  const tick = specDecimal(spec, 'tickSize', false);
  const lot = specDecimal(spec, 'lotSize', false);
  const minQty = specDecimal(spec, 'minQty', false);
  const minNotional = specDecimal(spec, 'minNotional', true);

  const priceDecimals = tick.scale;
  const qtyDecimals = lot.scale;
  const tickCoef = tick.coef; // tickSize = tickCoef / 10^priceDecimals
  const lotCoef = lot.coef; // lotSize = lotCoef / 10^qtyDecimals
  const unitCoef = tickCoef * lotCoef; // tickSize × lotSize = unitCoef / 10^unitDecimals
  const unitDecimals = priceDecimals + qtyDecimals;

  // lotSize × 10^base.decimals
  const lotMinor = exactDiv(lotCoef * pow10(base.decimals), pow10(qtyDecimals));
  if (lotMinor === undefined) {
    throw invalid(
      'lotSize',
      `${spec.lotSize} ${base.code} is finer than the ${base.decimals} decimals of ${base.code} (not a whole number of minor units)`,
    );
  }
  if (lotMinor >= MINOR_LIMIT) {
    throw invalid('lotSize', `${spec.lotSize} is 10^${MAX_MINOR_DIGITS} ${base.code} minor units or more`);
  }

  // tickSize × lotSize × 10^quote.decimals
  const tickLotMinor = exactDiv(unitCoef * pow10(quote.decimals), pow10(unitDecimals));
  if (tickLotMinor === undefined) {
    throw invalid(
      'tickSize',
      `tickSize × lotSize = ${formatScaled(unitCoef, unitDecimals)} ${quote.code} is finer than the ${quote.decimals} decimals of ${quote.code}; ` +
        `the value of one tick on one lot must be a whole number of ${quote.code} minor units`,
    );
  }
  if (tickLotMinor >= MINOR_LIMIT) {
    throw invalid('tickSize', `tickSize × lotSize is 10^${MAX_MINOR_DIGITS} ${quote.code} minor units or more`);
  }

  // minQty / lotSize
  const minQtyLotsBig = exactDiv(minQty.coef * pow10(qtyDecimals), lotCoef * pow10(minQty.scale));
  if (minQtyLotsBig === undefined) {
    throw invalid('minQty', `${spec.minQty} is not a multiple of lotSize ${spec.lotSize}`);
  }
  if (minQtyLotsBig > MAX_UNITS_BIG) throw invalid('minQty', `${spec.minQty} is more than ${MAX_BOOK_UNITS} lots`);
  const minQtyLots = Number(minQtyLotsBig);

  // minNotional × 10^quote.decimals
  const minNotionalMinor = exactDiv(minNotional.coef * pow10(quote.decimals), pow10(minNotional.scale));
  if (minNotionalMinor === undefined) {
    throw invalid('minNotional', `${spec.minNotional} has more than the ${quote.decimals} decimals of ${quote.code}`);
  }
  if (minNotionalMinor >= MINOR_LIMIT) {
    throw invalid('minNotional', `${spec.minNotional} is 10^${MAX_MINOR_DIGITS} ${quote.code} minor units or more`);
  }

  const maxPriceScaled = MAX_UNITS_BIG * tickCoef;
  const maxQtyScaled = MAX_UNITS_BIG * lotCoef;
  const maxQuoteScaled = MAX_UNITS_BIG * unitCoef;

  /**
   * input -> integer count of `stepCoef / 10^decimals` steps. The value is scanned with at most
   * `decimals` fractional digits, scaled to an integer of 10^-decimals units, then divided exactly.
   */
  function toUnits(
    input: unknown,
    field: string,
    decimals: number,
    stepCoef: bigint,
    maxScaled: bigint,
    offCode: UnitsErrorCode,
    what: string,
    step: () => string,
  ): Parsed<number> {
    const scanned = scanDecimal(input, field, decimals, false);
    if (!scanned.ok) return scanned;
    const scaled = scanned.value.coef * pow10(decimals - scanned.value.scale);
    if (scaled > maxScaled) {
      return fail(
        'OUT_OF_RANGE',
        field,
        `${field} must be at most ${formatScaled(maxScaled, decimals)}, got ${input as string}`,
      );
    }
    if (scaled % stepCoef !== 0n) {
      return fail(offCode, field, `${field} must be a multiple of the ${what} ${step()}, got ${input as string}`);
    }
    return ok(Number(scaled / stepCoef));
  }

  const tickSizeText = (): string => formatScaled(tickCoef, priceDecimals);
  const lotSizeText = (): string => formatScaled(lotCoef, qtyDecimals);
  const unitText = (): string => formatScaled(unitCoef, unitDecimals);

  const market: Market = {
    spec: frozenSpec,
    symbol: spec.symbol,
    base,
    quote,
    priceDecimals,
    qtyDecimals,
    lotMinor,
    tickLotMinor,
    minQtyLots,
    minNotionalMinor,

    parsePrice(input: unknown, field = 'price'): Parsed<number> {
      return toUnits(input, field, priceDecimals, tickCoef, maxPriceScaled, 'OFF_TICK', 'tick size', tickSizeText);
    },

    parseQty(input: unknown, field = 'qty'): Parsed<number> {
      return toUnits(input, field, qtyDecimals, lotCoef, maxQtyScaled, 'OFF_LOT', 'lot size', lotSizeText);
    },

    parseQuoteQty(input: unknown, field = 'quoteQty'): Parsed<number> {
      return toUnits(
        input,
        field,
        unitDecimals,
        unitCoef,
        maxQuoteScaled,
        'OFF_TICK',
        'tick size × lot size',
        unitText,
      );
    },

    checkOrderSize(args: { lots?: number; ticks?: number; quoteUnits?: number }): UnitsIssue | null {
      const { lots, ticks, quoteUnits } = args;
      if (lots !== undefined) {
        assertSafeInteger(lots, 'lots');
        if (lots < minQtyLots) {
          return {
            code: 'BELOW_MIN_QTY',
            field: 'qty',
            message: `qty ${market.formatQty(lots)} is below the minimum ${market.formatQty(minQtyLots)} ${base.code}`,
          };
        }
        if (ticks !== undefined) {
          const notional = market.notionalMinor(ticks, lots);
          if (notional < minNotionalMinor) {
            return {
              code: 'BELOW_MIN_NOTIONAL',
              field: 'qty',
              message: `notional ${formatScaled(notional, quote.decimals)} ${quote.code} is below the minimum ${formatScaled(minNotionalMinor, quote.decimals)} ${quote.code}`,
            };
          }
        }
      }
      if (quoteUnits !== undefined) {
        const notional = market.quoteUnitsToMinor(quoteUnits);
        if (notional < minNotionalMinor) {
          return {
            code: 'BELOW_MIN_NOTIONAL',
            field: 'quoteQty',
            message: `quoteQty ${formatScaled(notional, quote.decimals)} ${quote.code} is below the minimum ${formatScaled(minNotionalMinor, quote.decimals)} ${quote.code}`,
          };
        }
      }
      return null;
    },

    formatPrice(ticks: number): string {
      assertSafeInteger(ticks, 'ticks');
      return formatScaled(BigInt(ticks) * tickCoef, priceDecimals);
    },

    formatQty(lots: number): string {
      assertSafeInteger(lots, 'lots');
      return formatScaled(BigInt(lots) * lotCoef, qtyDecimals);
    },

    formatQuoteQty(units: number): string {
      assertSafeInteger(units, 'units');
      return formatScaled(BigInt(units) * unitCoef, unitDecimals);
    },

    notionalMinor(ticks: number, lots: number): bigint {
      assertSafeInteger(ticks, 'ticks');
      assertSafeInteger(lots, 'lots');
      return BigInt(ticks) * BigInt(lots) * tickLotMinor;
    },

    quoteUnitsToMinor(units: number): bigint {
      assertSafeInteger(units, 'units');
      return BigInt(units) * tickLotMinor;
    },

    lotsToBaseMinor(lots: number): bigint {
      assertSafeInteger(lots, 'lots');
      return BigInt(lots) * lotMinor;
    },
  };
  return Object.freeze(market);
}
