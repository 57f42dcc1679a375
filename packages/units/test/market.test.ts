import { MAX_BOOK_UNITS, UnitsError, compileMarket, type MarketSpec, type Parsed } from '../src';

const BTCUSDT: MarketSpec = {
  symbol: 'BTCUSDT',
  base: { code: 'BTC', decimals: 8 },
  quote: { code: 'USDT', decimals: 8 },
  tickSize: '0.01',
  lotSize: '0.00001',
  minQty: '0.0001',
  minNotional: '5',
};

function codeOf(p: Parsed<unknown>): string {
  return p.ok ? 'ok' : p.code;
}

function units(p: Parsed<number>): number {
  if (!p.ok) throw new Error(`expected ok, got ${p.code}: ${p.message}`);
  return p.value;
}

function thrown(f: () => unknown): UnitsError {
  try {
    f();
  } catch (e) {
    if (e instanceof UnitsError) return e;
    throw e;
  }
  throw new Error('expected a UnitsError');
}

describe('compileMarket: BTCUSDT', () => {
  const m = compileMarket(BTCUSDT);

  it('compiles the units', () => {
    expect(m.symbol).toBe('BTCUSDT');
    expect(m.base).toEqual({ code: 'BTC', decimals: 8 });
    expect(m.quote).toEqual({ code: 'USDT', decimals: 8 });
    expect(m.priceDecimals).toBe(2);
    expect(m.qtyDecimals).toBe(5);
    expect(m.lotMinor).toBe(1000n); // 0.00001 BTC = 1000 sat
    expect(m.tickLotMinor).toBe(10n); // 0.01 × 0.00001 = 1e-7 USDT = 10 minor units at 8 decimals
    expect(m.minQtyLots).toBe(10);
    expect(m.minNotionalMinor).toBe(500_000_000n);
    expect(m.spec).toEqual(BTCUSDT);
  });

  it('is immutable and independent of the spec object it was built from', () => {
    const spec: MarketSpec = { ...BTCUSDT, base: { ...BTCUSDT.base }, quote: { ...BTCUSDT.quote } };
    const market = compileMarket(spec);
    spec.tickSize = '1';
    spec.base.decimals = 2;
    expect(market.spec.tickSize).toBe('0.01');
    expect(market.base.decimals).toBe(8);
    expect(Object.isFrozen(market)).toBe(true);
    expect(Object.isFrozen(market.spec)).toBe(true);
    expect(Object.isFrozen(market.spec.base)).toBe(true);
  });

  describe('parsePrice', () => {
    it.each<[string, number]>([
      ['65123.45', 6_512_345],
      ['65123.4', 6_512_340],
      ['65123', 6_512_300],
      ['65123.4500', 6_512_345],
      ['0065123.45', 6_512_345],
      ['0.01', 1],
    ])('%s -> %d ticks', (input, ticks) => {
      expect(units(m.parsePrice(input))).toBe(ticks);
    });

    it.each<[unknown, string]>([
      [65123.45, 'NOT_A_STRING'],
      ['', 'EMPTY'],
      ['65,123.45', 'MALFORMED'],
      [' 65123.45', 'MALFORMED'],
      ['6.5e4', 'EXPONENT_FORM'],
      ['-1', 'NEGATIVE'],
      ['-0', 'NEGATIVE'],
      ['0', 'ZERO'],
      ['0.00', 'ZERO'],
      ['0.001', 'TOO_PRECISE'],
      ['65123.451', 'TOO_PRECISE'],
      ['90071992547409.92', 'OUT_OF_RANGE'], // MAX_BOOK_UNITS + 1 ticks
      ['1' + '0'.repeat(40), 'OUT_OF_RANGE'],
    ])('%p -> %s', (input, code) => {
      const p = m.parsePrice(input);
      expect(codeOf(p)).toBe(code);
      expect(p).toMatchObject({ field: 'price' });
    });

    it('accepts exactly MAX_BOOK_UNITS ticks', () => {
      expect(m.formatPrice(MAX_BOOK_UNITS)).toBe('90071992547409.91');
      expect(units(m.parsePrice('90071992547409.91'))).toBe(MAX_BOOK_UNITS);
    });

    it('uses the given field name', () => {
      expect(m.parsePrice('x', 'stopPrice')).toMatchObject({ ok: false, code: 'MALFORMED', field: 'stopPrice' });
    });
  });

  describe('parseQty', () => {
    it.each<[string, number]>([
      ['1', 100_000],
      ['0.00001', 1],
      ['0.5', 50_000],
      ['0.000010', 1],
    ])('%s -> %d lots', (input, lots) => {
      expect(units(m.parseQty(input))).toBe(lots);
    });

    it.each<[unknown, string]>([
      [1, 'NOT_A_STRING'],
      ['', 'EMPTY'],
      ['.5', 'MALFORMED'],
      ['1e-5', 'EXPONENT_FORM'],
      ['-0.5', 'NEGATIVE'],
      ['0', 'ZERO'],
      ['0.00000', 'ZERO'],
      ['0.000001', 'TOO_PRECISE'], // finer than the lot's 5 decimals
      ['90071992547.40992', 'OUT_OF_RANGE'], // MAX_BOOK_UNITS + 1 lots
    ])('%p -> %s', (input, code) => {
      expect(codeOf(m.parseQty(input))).toBe(code);
      expect(m.parseQty(input)).toMatchObject({ field: 'qty' });
    });

    it('does not check minQty', () => {
      expect(units(m.parseQty('0.00001'))).toBe(1);
    });

    it('accepts exactly MAX_BOOK_UNITS lots', () => {
      expect(units(m.parseQty(m.formatQty(MAX_BOOK_UNITS)))).toBe(MAX_BOOK_UNITS);
    });
  });

  describe('parseQuoteQty', () => {
    it.each<[string, number]>([
      ['0.0000001', 1],
      ['1', 10_000_000],
      ['100.5', 1_005_000_000],
    ])('%s -> %d tick·lot units', (input, u) => {
      expect(units(m.parseQuoteQty(input))).toBe(u);
    });

    it.each<[unknown, string]>([
      [100, 'NOT_A_STRING'],
      ['', 'EMPTY'],
      ['1.', 'MALFORMED'],
      ['1e2', 'EXPONENT_FORM'],
      ['-100', 'NEGATIVE'],
      ['0.0', 'ZERO'],
      ['0.00000001', 'TOO_PRECISE'], // 8 digits > priceDecimals + qtyDecimals = 7
      ['900719925.4740992', 'OUT_OF_RANGE'],
    ])('%p -> %s', (input, code) => {
      expect(codeOf(m.parseQuoteQty(input))).toBe(code);
      expect(m.parseQuoteQty(input)).toMatchObject({ field: 'quoteQty' });
    });

    it('accepts exactly MAX_BOOK_UNITS units', () => {
      expect(m.formatQuoteQty(MAX_BOOK_UNITS)).toBe('900719925.4740991');
      expect(units(m.parseQuoteQty('900719925.4740991'))).toBe(MAX_BOOK_UNITS);
    });
  });

  describe('checkOrderSize', () => {
    it('checks minQty', () => {
      expect(m.checkOrderSize({ lots: 10 })).toBeNull();
      expect(m.checkOrderSize({ lots: 9 })).toMatchObject({ code: 'BELOW_MIN_QTY', field: 'qty' });
      expect(m.checkOrderSize({ lots: 0 })).toMatchObject({ code: 'BELOW_MIN_QTY', field: 'qty' });
    });

    it('checks minNotional when a price is given', () => {
      // 0.0001 BTC at 50000 = 5 USDT: exactly the minimum
      expect(m.checkOrderSize({ lots: 10, ticks: 5_000_000 })).toBeNull();
      const issue = m.checkOrderSize({ lots: 10, ticks: 4_999_999 });
      expect(issue).toMatchObject({ code: 'BELOW_MIN_NOTIONAL', field: 'qty' });
      expect(issue?.message).toContain('4.999999 USDT');
      expect(issue?.message).toContain('USDT');
    });

    it('reports BELOW_MIN_QTY before BELOW_MIN_NOTIONAL', () => {
      expect(m.checkOrderSize({ lots: 1, ticks: 1 })).toMatchObject({ code: 'BELOW_MIN_QTY' });
    });

    it('checks quote-sized orders against minNotional', () => {
      expect(m.checkOrderSize({ quoteUnits: 50_000_000 })).toBeNull(); // 5 USDT
      expect(m.checkOrderSize({ quoteUnits: 49_999_999 })).toMatchObject({
        code: 'BELOW_MIN_NOTIONAL',
        field: 'quoteQty',
      });
    });

    it('is fine with nothing to check', () => {
      expect(m.checkOrderSize({})).toBeNull();
      expect(m.checkOrderSize({ ticks: 1 })).toBeNull();
    });

    it('throws on non-integer units (programmer error)', () => {
      expect(() => m.checkOrderSize({ lots: 1.5 })).toThrow(RangeError);
      expect(() => m.checkOrderSize({ lots: 10, ticks: NaN })).toThrow(RangeError);
    });
  });

  describe('formatting and minor units', () => {
    it('formats canonically', () => {
      expect(m.formatPrice(6_512_345)).toBe('65123.45');
      expect(m.formatPrice(6_512_340)).toBe('65123.4');
      expect(m.formatPrice(6_512_300)).toBe('65123');
      expect(m.formatPrice(1)).toBe('0.01');
      expect(m.formatPrice(0)).toBe('0');
      expect(m.formatQty(1)).toBe('0.00001');
      expect(m.formatQty(150_000)).toBe('1.5');
      expect(m.formatQuoteQty(1)).toBe('0.0000001');
      expect(m.formatQuoteQty(10_000_000)).toBe('1');
    });

    it('converts to minor units exactly, beyond 2^53', () => {
      expect(m.lotsToBaseMinor(150_000)).toBe(150_000_000n);
      expect(m.quoteUnitsToMinor(10_000_000)).toBe(100_000_000n);
      // 1.5 BTC at 65123.45 = 97685.175 USDT
      expect(m.notionalMinor(6_512_345, 150_000)).toBe(9_768_517_500_000n);
      expect(m.notionalMinor(MAX_BOOK_UNITS, MAX_BOOK_UNITS)).toBe(BigInt(MAX_BOOK_UNITS) ** 2n * 10n);
      expect(m.lotsToBaseMinor(MAX_BOOK_UNITS)).toBe(BigInt(MAX_BOOK_UNITS) * 1000n);
    });

    it.each([1.5, NaN, Infinity, MAX_BOOK_UNITS + 1])('throws RangeError on %p', (n) => {
      expect(() => m.formatPrice(n)).toThrow(RangeError);
      expect(() => m.formatQty(n)).toThrow(RangeError);
      expect(() => m.formatQuoteQty(n)).toThrow(RangeError);
      expect(() => m.notionalMinor(n, 1)).toThrow(RangeError);
      expect(() => m.notionalMinor(1, n)).toThrow(RangeError);
      expect(() => m.quoteUnitsToMinor(n)).toThrow(RangeError);
      expect(() => m.lotsToBaseMinor(n)).toThrow(RangeError);
    });
  });
});

describe('compileMarket: other valid shapes', () => {
  it('normalizes trailing zeros in tickSize', () => {
    const m = compileMarket({ ...BTCUSDT, tickSize: '0.010', lotSize: '0.0000100', minQty: '0.00010' });
    expect(m.priceDecimals).toBe(2);
    expect(m.qtyDecimals).toBe(5);
    expect(m.tickLotMinor).toBe(10n);
  });

  it('handles ticks that are not powers of ten', () => {
    const m = compileMarket({ ...BTCUSDT, tickSize: '0.05' });
    expect(m.tickLotMinor).toBe(50n);
    expect(units(m.parsePrice('1.05'))).toBe(21);
    expect(codeOf(m.parsePrice('1.04'))).toBe('OFF_TICK');
    expect(codeOf(m.parsePrice('1.045'))).toBe('TOO_PRECISE');
    expect(m.formatPrice(21)).toBe('1.05');
    expect(units(m.parseQuoteQty('0.0000005'))).toBe(1);
    expect(codeOf(m.parseQuoteQty('0.0000001'))).toBe('OFF_TICK');
    expect(codeOf(m.parseQuoteQty('0.00000001'))).toBe('TOO_PRECISE');
  });

  it('handles lots that are not powers of ten', () => {
    const m = compileMarket({ ...BTCUSDT, lotSize: '0.00005', minQty: '0.0001' });
    expect(m.lotMinor).toBe(5000n);
    expect(m.minQtyLots).toBe(2);
    expect(units(m.parseQty('0.00015'))).toBe(3);
    expect(codeOf(m.parseQty('0.00001'))).toBe('OFF_LOT');
    expect(m.parseQty('0.00001')).toMatchObject({ field: 'qty' });
    expect(codeOf(m.parseQty('0.000001'))).toBe('TOO_PRECISE');
  });

  it('handles integer ticks and lots (e.g. a JPY-quoted market of whole units)', () => {
    const m = compileMarket({
      symbol: 'XYZJPY',
      base: { code: 'XYZ', decimals: 0 },
      quote: { code: 'JPY', decimals: 0 },
      tickSize: '10',
      lotSize: '100',
      minQty: '1000',
      minNotional: '0',
    });
    expect(m.priceDecimals).toBe(0);
    expect(m.qtyDecimals).toBe(0);
    expect(m.lotMinor).toBe(100n);
    expect(m.tickLotMinor).toBe(1000n);
    expect(m.minQtyLots).toBe(10);
    expect(m.minNotionalMinor).toBe(0n);
    expect(units(m.parsePrice('1230'))).toBe(123);
    expect(codeOf(m.parsePrice('1235'))).toBe('OFF_TICK');
    expect(codeOf(m.parsePrice('1230.5'))).toBe('TOO_PRECISE');
    expect(units(m.parsePrice('1230.000'))).toBe(123);
    expect(m.formatPrice(123)).toBe('1230');
    expect(codeOf(m.parseQty('150'))).toBe('OFF_LOT');
    expect(units(m.parseQuoteQty('5000'))).toBe(5);
    expect(codeOf(m.parseQuoteQty('5500'))).toBe('OFF_TICK');
    expect(m.checkOrderSize({ lots: 10, ticks: 1 })).toBeNull(); // no minimum notional
  });

  it('allows tickSize × lotSize to round to fewer decimals than the sum of theirs (0.5 × 0.2 = 0.1)', () => {
    const m = compileMarket({
      symbol: 'AB',
      base: { code: 'A', decimals: 1 },
      quote: { code: 'B', decimals: 1 },
      tickSize: '0.5',
      lotSize: '0.2',
      minQty: '0.2',
      minNotional: '0.1',
    });
    expect(m.tickLotMinor).toBe(1n);
    expect(units(m.parseQuoteQty('0.1'))).toBe(1);
    expect(units(m.parseQuoteQty('0.30'))).toBe(3);
    expect(codeOf(m.parseQuoteQty('0.15'))).toBe('OFF_TICK');
    expect(codeOf(m.parseQuoteQty('0.125'))).toBe('TOO_PRECISE');
    expect(m.formatQuoteQty(3)).toBe('0.3');
  });

  it('accepts the coarsest quote precision that still holds one tick on one lot', () => {
    const m = compileMarket({ ...BTCUSDT, quote: { code: 'USDT', decimals: 7 } });
    expect(m.tickLotMinor).toBe(1n);
    expect(m.minNotionalMinor).toBe(50_000_000n);
  });
});

describe('compileMarket: invalid specs', () => {
  it.each<[string, Partial<Record<keyof MarketSpec, unknown>>, string]>([
    ['lowercase symbol', { symbol: 'btcusdt' }, 'symbol'],
    ['one-character symbol', { symbol: 'B' }, 'symbol'],
    ['symbol with a slash', { symbol: 'BTC/USDT' }, 'symbol'],
    ['21-character symbol', { symbol: 'A'.repeat(21) }, 'symbol'],
    ['numeric symbol', { symbol: 1 }, 'symbol'],
    ['same base and quote', { quote: { code: 'BTC', decimals: 8 } }, 'quote'],
    ['zero tick', { tickSize: '0' }, 'tickSize'],
    ['negative tick', { tickSize: '-0.01' }, 'tickSize'],
    ['exponent tick', { tickSize: '1e-2' }, 'tickSize'],
    ['numeric tick', { tickSize: 0.01 }, 'tickSize'],
    ['missing tick', { tickSize: undefined }, 'tickSize'],
    ['zero lot', { lotSize: '0' }, 'lotSize'],
    ['malformed lot', { lotSize: '.00001' }, 'lotSize'],
    ['lot finer than base decimals', { lotSize: '0.000000001', minQty: '0.0001' }, 'lotSize'],
    // tick × lot = 1e-7 USDT but USDT has only 6 decimals
    ['tick × lot finer than quote decimals', { quote: { code: 'USDT', decimals: 6 } }, 'tickSize'],
    ['zero minQty', { minQty: '0' }, 'minQty'],
    ['minQty not a multiple of lot', { minQty: '0.000015' }, 'minQty'],
    ['minQty below lot', { lotSize: '0.001', minQty: '0.0001' }, 'minQty'],
    ['minQty above MAX_BOOK_UNITS lots', { minQty: '90071992547.40992' }, 'minQty'],
    ['negative minNotional', { minNotional: '-1' }, 'minNotional'],
    ['minNotional finer than quote', { minNotional: '0.000000001' }, 'minNotional'],
    ['numeric minNotional', { minNotional: 5 }, 'minNotional'],
  ])('%s -> INVALID_MARKET', (_name, patch, field) => {
    const e = thrown(() => compileMarket({ ...BTCUSDT, ...patch } as MarketSpec));
    expect(e.code).toBe('INVALID_MARKET');
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
  });

  it('explains the tick × lot constraint', () => {
    const e = thrown(() => compileMarket({ ...BTCUSDT, quote: { code: 'USDT', decimals: 6 } }));
    expect(e.message).toContain('0.0000001');
    expect(e.message).toContain('6 decimals');
  });

  it.each<[string, Partial<MarketSpec>, string]>([
    ['lowercase base code', { base: { code: 'btc', decimals: 8 } }, 'base.code'],
    ['quote with 19 decimals', { quote: { code: 'USDT', decimals: 19 } }, 'quote.decimals'],
  ])('%s -> INVALID_ASSET', (_name, patch, field) => {
    const e = thrown(() => compileMarket({ ...BTCUSDT, ...patch }));
    expect(e.code).toBe('INVALID_ASSET');
    expect(e.field).toBe(field);
  });

  it('rejects a non-object spec', () => {
    expect(thrown(() => compileMarket(null as unknown as MarketSpec)).code).toBe('INVALID_MARKET');
  });

  it('rejects a minimum quantity at MAX_BOOK_UNITS + 1 lots but accepts MAX_BOOK_UNITS', () => {
    expect(compileMarket({ ...BTCUSDT, minQty: '90071992547.40991' }).minQtyLots).toBe(MAX_BOOK_UNITS);
  });
});
