/**
 * Property tests. decimal.js (the ExactDecimal clone, precision 1000, never asked to round: every
 * result below is checked to be exact) serves as an independent reference for the bigint code.
 */
import fc from 'fast-check';

import {
  ExactDecimal,
  MAX_ASSET_DECIMALS,
  MAX_BOOK_UNITS,
  MAX_MINOR_DIGITS,
  UnitsError,
  compileMarket,
  formatAmount,
  parseAmount,
  parseDecimal,
  type Market,
  type MarketSpec,
  type Parsed,
  type UnitsErrorCode,
} from '../src';

type D = InstanceType<typeof ExactDecimal>;

const INPUT_CODES: ReadonlySet<UnitsErrorCode> = new Set<UnitsErrorCode>([
  'NOT_A_STRING',
  'EMPTY',
  'MALFORMED',
  'EXPONENT_FORM',
  'NEGATIVE',
  'ZERO',
  'TOO_PRECISE',
  'OUT_OF_RANGE',
  'OFF_TICK',
  'OFF_LOT',
]);
const PLAIN = /^-?[0-9]+(\.[0-9]+)?$/;
const TEN = new ExactDecimal(10);

function pow10(n: number): D {
  return TEN.pow(n);
}

/** d as a bigint, asserting it is an integer (so nothing was rounded away). */
function exactBigInt(d: D): bigint {
  if (!d.isInteger()) throw new Error(`expected an integer, got ${d.toString()}`);
  return BigInt(d.toFixed(0));
}

const BTCUSDT: MarketSpec = {
  symbol: 'BTCUSDT',
  base: { code: 'BTC', decimals: 8 },
  quote: { code: 'USDT', decimals: 8 },
  tickSize: '0.01',
  lotSize: '0.00001',
  minQty: '0.0001',
  minNotional: '5',
};

const digit = fc.constantFrom(...'0123456789'.split(''));
const digits = (minLength: number, maxLength: number) => fc.string({ unit: digit, minLength, maxLength });

/**
 * Strings that look like decimals (and sometimes are not quite): the interesting part of the input
 * space. Zeros ("0", "00.000") get a branch of their own: random digits alone made one in about
 * 600, and a 2,000-run property missed ZERO altogether in about one run in twenty.
 */
const decimalLike: fc.Arbitrary<string> = fc.oneof(
  { weight: 19, arbitrary: shapedDecimal() },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: -1, max: 4 }))
      .map(([i, f]) => '0'.repeat(i) + (f < 0 ? '' : `.${'0'.repeat(f)}`)),
  },
);

function shapedDecimal(): fc.Arbitrary<string> {
  return fc
    .record({
      neg: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      int: digits(0, 24),
      dot: fc.boolean(),
      frac: digits(0, 24),
      exp: fc.oneof(
        { weight: 9, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: fc.integer({ min: -30, max: 30 }).map((e) => `e${e}`) },
      ),
    })
    .map(({ neg, int, dot, frac, exp }) => `${neg ? '-' : ''}${int}${dot ? '.' : ''}${frac}${exp}`);
}

/** A decimal c × 10^-e with c in 1..max, as a plain string built by decimal.js. */
const positiveDecimal = (maxCoef: number, maxExp: number, minExp = 0) =>
  fc
    .tuple(fc.integer({ min: 1, max: maxCoef }), fc.integer({ min: minExp, max: maxExp }))
    .map(([c, e]) => new ExactDecimal(c).div(pow10(e)).toString());

/** Market specs, valid or not; about half compile. */
const marketSpec: fc.Arbitrary<MarketSpec> = fc
  .record({
    baseDecimals: fc.integer({ min: 0, max: MAX_ASSET_DECIMALS }),
    quoteDecimals: fc.integer({ min: 0, max: MAX_ASSET_DECIMALS }),
    tickSize: fc.oneof(positiveDecimal(9, 10), positiveDecimal(1000, 12, -3)),
    lotSize: fc.oneof(positiveDecimal(9, 10), positiveDecimal(1000, 12, -3)),
    minQtyLots: fc.integer({ min: 1, max: 1000 }),
    minNotionalMinor: fc.integer({ min: 0, max: 1_000_000 }),
  })
  .map((r) => ({
    symbol: 'BASEQUOTE',
    base: { code: 'BASE', decimals: r.baseDecimals },
    quote: { code: 'QUOTE', decimals: r.quoteDecimals },
    tickSize: r.tickSize,
    lotSize: r.lotSize,
    minQty: new ExactDecimal(r.lotSize).mul(r.minQtyLots).toString(),
    minNotional: new ExactDecimal(r.minNotionalMinor).div(pow10(r.quoteDecimals)).toString(),
  }));

function tryCompile(spec: MarketSpec): Market | null {
  try {
    return compileMarket(spec);
  } catch (e) {
    if (e instanceof UnitsError) return null;
    throw e;
  }
}

const market: fc.Arbitrary<Market> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(compileMarket(BTCUSDT)) },
  {
    weight: 4,
    arbitrary: marketSpec.map(tryCompile).filter((m): m is Market => m !== null),
  },
);

const bookUnits = fc.oneof(
  fc.integer({ min: 1, max: MAX_BOOK_UNITS }),
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: MAX_BOOK_UNITS - 1000, max: MAX_BOOK_UNITS }),
);

function check<T>(p: Parsed<T>): void {
  if (!p.ok) {
    expect(INPUT_CODES.has(p.code)).toBe(true);
    expect(typeof p.field).toBe('string');
    expect(p.message.length).toBeGreaterThan(0);
  }
}

/** What parsePrice/parseQty/parseQuoteQty must return for input, computed with decimal.js. */
function reference(input: string, step: D, maxDecimals: number, offCode: UnitsErrorCode): Parsed<number> {
  const fail = (code: UnitsErrorCode): Parsed<number> => ({ ok: false, code, field: '', message: '' });
  if (input === '') return fail('EMPTY');
  if (input.length > 100) return fail('MALFORMED');
  if (!PLAIN.test(input)) return fail(/e/i.test(input) && !isNaN(Number(input)) ? 'EXPONENT_FORM' : 'MALFORMED');
  if (input.startsWith('-')) return fail('NEGATIVE');
  const d = new ExactDecimal(input);
  if (d.isZero()) return fail('ZERO');
  if (d.decimalPlaces() > maxDecimals) return fail('TOO_PRECISE');
  if (d.gt(step.mul(MAX_BOOK_UNITS))) return fail('OUT_OF_RANGE');
  if (!d.mod(step).isZero()) return fail(offCode);
  return { ok: true, value: exactBigIntToNumber(d.div(step)) };
}

function exactBigIntToNumber(d: D): number {
  const b = exactBigInt(d);
  expect(b <= BigInt(MAX_BOOK_UNITS)).toBe(true);
  return Number(b);
}

/** Asserts both agree; returns the outcome ('ok' or the code). */
function sameOutcome(actual: Parsed<number>, expected: Parsed<number>): string {
  if (expected.ok) expect(actual).toEqual(expected);
  else expect(actual.ok ? 'ok' : actual.code).toBe(expected.code);
  return expected.ok ? 'ok' : expected.code;
}

describe('parsers never throw on arbitrary input', () => {
  const m = compileMarket(BTCUSDT);
  const inputs = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: fc.constantFrom(...'0123456789.-+eE xX,_'.split('')) }),
    decimalLike,
    fc.anything(),
  );

  it('returns ok or an input reason code', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        check(parseDecimal(input, 'x'));
        check(parseDecimal(input, 'x', { maxDecimals: 3, allowZero: true }));
        check(parseAmount(input, BTCUSDT.base));
        check(parseAmount(input, { code: 'ETH', decimals: 18 }, 'amount', { allowZero: true }));
        check(m.parsePrice(input));
        check(m.parseQty(input));
        check(m.parseQuoteQty(input));
        if (typeof input !== 'string') expect(parseDecimal(input, 'x')).toMatchObject({ code: 'NOT_A_STRING' });
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts a string iff it is a plain decimal, and then returns exactly its value', () => {
    fc.assert(
      fc.property(fc.oneof(decimalLike, fc.string()), (input) => {
        const p = parseDecimal(input, 'x', { allowZero: true });
        const plain = PLAIN.test(input) && !input.startsWith('-') && input.length <= 100;
        expect(p.ok).toBe(plain);
        if (p.ok) expect(p.value.eq(new ExactDecimal(input))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('market parsers agree with a decimal.js reference', () => {
  it('parsePrice, parseQty, parseQuoteQty on decimal-like strings', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(market, decimalLike, (m, input) => {
        const tick = new ExactDecimal(m.spec.tickSize);
        const lot = new ExactDecimal(m.spec.lotSize);
        const outcomes = [
          sameOutcome(m.parsePrice(input), reference(input, tick, m.priceDecimals, 'OFF_TICK')),
          sameOutcome(m.parseQty(input), reference(input, lot, m.qtyDecimals, 'OFF_LOT')),
          sameOutcome(
            m.parseQuoteQty(input),
            reference(input, tick.mul(lot), m.priceDecimals + m.qtyDecimals, 'OFF_TICK'),
          ),
        ];
        for (const o of outcomes) seen.add(o);
      }),
      { numRuns: 2000 },
    );
    // the generator reaches every outcome
    for (const code of [
      'ok',
      'EMPTY',
      'MALFORMED',
      'EXPONENT_FORM',
      'NEGATIVE',
      'ZERO',
      'TOO_PRECISE',
      'OUT_OF_RANGE',
      'OFF_TICK',
      'OFF_LOT',
    ]) {
      expect(seen).toContain(code);
    }
  });

  it('parsePrice on prices near a multiple of the tick', () => {
    fc.assert(
      fc.property(market, bookUnits, fc.integer({ min: -2, max: 2 }), (m, ticks, nudgeDigits) => {
        const tick = new ExactDecimal(m.spec.tickSize);
        const nudge = pow10(-(m.priceDecimals + Math.max(0, nudgeDigits)));
        for (const price of [tick.mul(ticks), tick.mul(ticks).add(nudge), tick.mul(ticks).sub(nudge)]) {
          const input = price.toFixed();
          sameOutcome(m.parsePrice(input), reference(input, tick, m.priceDecimals, 'OFF_TICK'));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('format then parse round-trips', () => {
  it('prices, quantities and quote quantities', () => {
    fc.assert(
      fc.property(market, bookUnits, (m, n) => {
        const price = m.formatPrice(n);
        const qty = m.formatQty(n);
        const quote = m.formatQuoteQty(n);
        expect(m.parsePrice(price)).toEqual({ ok: true, value: n });
        expect(m.parseQty(qty)).toEqual({ ok: true, value: n });
        expect(m.parseQuoteQty(quote)).toEqual({ ok: true, value: n });
        // canonical: exactly what decimal.js prints for the exact product
        expect(price).toBe(new ExactDecimal(m.spec.tickSize).mul(n).toString());
        expect(qty).toBe(new ExactDecimal(m.spec.lotSize).mul(n).toString());
        expect(quote).toBe(new ExactDecimal(m.spec.tickSize).mul(m.spec.lotSize).mul(n).toString());
        // padding with zeros changes nothing
        const padded = `000${price}${price.includes('.') ? '' : '.'}000`;
        if (padded.length <= 100) expect(m.parsePrice(padded)).toEqual({ ok: true, value: n });
      }),
      { numRuns: 2000 },
    );
  });

  it('amounts, for every asset precision', () => {
    const minor = fc.oneof(
      fc.bigInt({ min: 1n, max: 10n ** BigInt(MAX_MINOR_DIGITS) - 1n }),
      fc.bigInt({ min: 1n, max: 10n ** 12n }),
      fc.bigInt({ min: 10n ** BigInt(MAX_MINOR_DIGITS) - 10n ** 6n, max: 10n ** BigInt(MAX_MINOR_DIGITS) - 1n }),
    );
    fc.assert(
      fc.property(minor, fc.integer({ min: 0, max: MAX_ASSET_DECIMALS }), (n, decimals) => {
        const asset = { code: 'X', decimals };
        const s = formatAmount(n, asset);
        expect(parseAmount(s, asset)).toEqual({ ok: true, value: n });
        const reference = new ExactDecimal(n.toString()).div(pow10(decimals));
        expect(exactBigInt(reference.mul(pow10(decimals)))).toBe(n);
        expect(s).toBe(reference.toString());
        expect(formatAmount(-n, asset)).toBe(`-${s}`);
        expect(parseAmount(`-${s}`, asset)).toMatchObject({ ok: false, code: 'NEGATIVE' });
      }),
      { numRuns: 2000 },
    );
    expect(formatAmount(0n, { code: 'X', decimals: 18 })).toBe('0');
    expect(parseAmount('0', { code: 'X', decimals: 18 }, 'amount', { allowZero: true })).toEqual({
      ok: true,
      value: 0n,
    });
  });

  it('parseAmount agrees with decimal.js on decimal-like strings', () => {
    fc.assert(
      fc.property(decimalLike, fc.integer({ min: 0, max: MAX_ASSET_DECIMALS }), (input, decimals) => {
        const p = parseAmount(input, { code: 'X', decimals }, 'amount', { allowZero: true });
        if (!PLAIN.test(input) || input.startsWith('-')) {
          expect(p.ok).toBe(false);
          return;
        }
        const d = new ExactDecimal(input);
        if (d.decimalPlaces() > decimals) expect(p).toMatchObject({ code: 'TOO_PRECISE' });
        else {
          const minor = exactBigInt(d.mul(pow10(decimals)));
          if (minor >= 10n ** BigInt(MAX_MINOR_DIGITS)) expect(p).toMatchObject({ code: 'OUT_OF_RANGE' });
          else expect(p).toEqual({ ok: true, value: minor });
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('minor-unit arithmetic is exact', () => {
  it('notionalMinor equals price × qty × 10^quote.decimals', () => {
    fc.assert(
      fc.property(market, bookUnits, bookUnits, (m, ticks, lots) => {
        const price = new ExactDecimal(m.formatPrice(ticks));
        const qty = new ExactDecimal(m.formatQty(lots));
        const expected = exactBigInt(price.mul(qty).mul(pow10(m.quote.decimals)));
        expect(m.notionalMinor(ticks, lots)).toBe(expected);
        expect(m.quoteUnitsToMinor(lots)).toBe(
          exactBigInt(new ExactDecimal(m.formatQuoteQty(lots)).mul(pow10(m.quote.decimals))),
        );
        expect(m.lotsToBaseMinor(lots)).toBe(exactBigInt(qty.mul(pow10(m.base.decimals))));
      }),
      { numRuns: 1000 },
    );
  });

  it('checkOrderSize matches the decimal comparison', () => {
    fc.assert(
      fc.property(market, bookUnits, fc.integer({ min: 0, max: 2000 }), (m, ticks, lots) => {
        const issue = m.checkOrderSize({ lots, ticks });
        const qty = new ExactDecimal(m.formatQty(lots));
        const notional = new ExactDecimal(m.formatPrice(ticks)).mul(qty);
        if (qty.lt(m.spec.minQty)) expect(issue).toMatchObject({ code: 'BELOW_MIN_QTY', field: 'qty' });
        else if (notional.lt(m.spec.minNotional))
          expect(issue).toMatchObject({ code: 'BELOW_MIN_NOTIONAL', field: 'qty' });
        else expect(issue).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});

describe('compileMarket agrees with a decimal.js reference', () => {
  it('accepts exactly the specs whose lot and tick × lot are whole minor units', () => {
    let compiled = 0;
    fc.assert(
      fc.property(marketSpec, (spec) => {
        const lotMinor = new ExactDecimal(spec.lotSize).mul(pow10(spec.base.decimals));
        const tickLotMinor = new ExactDecimal(spec.tickSize).mul(spec.lotSize).mul(pow10(spec.quote.decimals));
        const valid = lotMinor.isInteger() && tickLotMinor.isInteger();
        const m = tryCompile(spec);
        expect(m !== null).toBe(valid);
        if (m === null) return;
        compiled++;
        expect(m.lotMinor).toBe(exactBigInt(lotMinor));
        expect(m.tickLotMinor).toBe(exactBigInt(tickLotMinor));
        expect(m.priceDecimals).toBe(new ExactDecimal(spec.tickSize).decimalPlaces());
        expect(m.qtyDecimals).toBe(new ExactDecimal(spec.lotSize).decimalPlaces());
        expect(m.minQtyLots).toBe(Number(exactBigInt(new ExactDecimal(spec.minQty).div(spec.lotSize))));
        expect(m.minNotionalMinor).toBe(
          exactBigInt(new ExactDecimal(spec.minNotional).mul(pow10(spec.quote.decimals))),
        );
      }),
      { numRuns: 2000 },
    );
    expect(compiled).toBeGreaterThan(200);
  });
});
