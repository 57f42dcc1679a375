import { ExactDecimal, MAX_DECIMAL_LENGTH, UnitsError, formatScaled, parseDecimal, unwrap, type Parsed } from '../src';

function codeOf(p: Parsed<unknown>): string {
  return p.ok ? 'ok' : p.code;
}

function value(p: Parsed<InstanceType<typeof ExactDecimal>>): string {
  if (!p.ok) throw new Error(`expected ok, got ${p.code}: ${p.message}`);
  return p.value.toString();
}

describe('parseDecimal: reason codes', () => {
  it.each<[unknown, string]>([
    [1, 'NOT_A_STRING'],
    [1.5, 'NOT_A_STRING'],
    [0, 'NOT_A_STRING'],
    [NaN, 'NOT_A_STRING'],
    [Infinity, 'NOT_A_STRING'],
    [10n, 'NOT_A_STRING'],
    [null, 'NOT_A_STRING'],
    [undefined, 'NOT_A_STRING'],
    [{}, 'NOT_A_STRING'],
    [['1'], 'NOT_A_STRING'],
    [new String('1'), 'NOT_A_STRING'],
    [true, 'NOT_A_STRING'],
    ['', 'EMPTY'],
    ['abc', 'MALFORMED'],
    ['1.', 'MALFORMED'],
    ['.5', 'MALFORMED'],
    [' 1', 'MALFORMED'],
    ['1 ', 'MALFORMED'],
    ['\t1', 'MALFORMED'],
    ['1\n', 'MALFORMED'],
    [' ', 'MALFORMED'],
    ['1,0', 'MALFORMED'],
    ['1_000', 'MALFORMED'],
    ['1.2.3', 'MALFORMED'],
    ['0x10', 'MALFORMED'],
    ['0b1', 'MALFORMED'],
    ['NaN', 'MALFORMED'],
    ['Infinity', 'MALFORMED'],
    ['-Infinity', 'MALFORMED'],
    ['+1', 'MALFORMED'],
    ['-', 'MALFORMED'],
    ['--1', 'MALFORMED'],
    ['-.5', 'MALFORMED'],
    ['１', 'MALFORMED'], // full-width digit one
    ['１２.５', 'MALFORMED'],
    ['٣', 'MALFORMED'], // Arabic-Indic digit three
    ['1\u00a0', 'MALFORMED'],
    ['1\u0000', 'MALFORMED'],
    ['e5', 'MALFORMED'],
    ['1e', 'MALFORMED'],
    ['1e5.5', 'MALFORMED'],
    ['1e5', 'EXPONENT_FORM'],
    ['1E-3', 'EXPONENT_FORM'],
    ['1e+3', 'EXPONENT_FORM'],
    ['1.5e3', 'EXPONENT_FORM'],
    ['.5e1', 'EXPONENT_FORM'],
    ['-1e5', 'EXPONENT_FORM'],
    ['-1', 'NEGATIVE'],
    ['-0.5', 'NEGATIVE'],
    ['-0', 'NEGATIVE'],
    ['-0.000', 'NEGATIVE'],
    ['0', 'ZERO'],
    ['0.0', 'ZERO'],
    ['0.000', 'ZERO'],
    ['000', 'ZERO'],
  ])('%p -> %s', (input, code) => {
    const p = parseDecimal(input, 'x');
    expect(codeOf(p)).toBe(code);
    if (!p.ok) {
      expect(p.field).toBe('x');
      expect(p.message.length).toBeGreaterThan(0);
    }
  });

  it('accepts zero only with allowZero', () => {
    expect(value(parseDecimal('0', 'x', { allowZero: true }))).toBe('0');
    expect(value(parseDecimal('0.000', 'x', { allowZero: true }))).toBe('0');
    expect(value(parseDecimal('000.0', 'x', { allowZero: true }))).toBe('0');
    expect(codeOf(parseDecimal('-0', 'x', { allowZero: true }))).toBe('NEGATIVE');
  });

  it('names the field in failures', () => {
    const p = parseDecimal('abc', 'price');
    expect(p).toMatchObject({ ok: false, code: 'MALFORMED', field: 'price' });
    if (!p.ok) expect(p.message).toContain('price');
  });

  it('explains why numbers are refused', () => {
    const p = parseDecimal(0.1, 'qty');
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.message).toMatch(/decimal string/);
  });
});

describe('parseDecimal: accepted values are exact', () => {
  it.each([
    ['1', '1'],
    ['12.34', '12.34'],
    ['00012.50', '12.5'], // leading zeros are accepted, trailing zeros are dropped
    ['0.5', '0.5'],
    ['0.00000001', '0.00000001'],
    ['1.000000000000000000000000000001', '1.000000000000000000000000000001'],
    [
      '123456789012345678901234567890.123456789012345678901234567',
      '123456789012345678901234567890.123456789012345678901234567',
    ],
    ['9007199254740993', '9007199254740993'], // above 2^53: no float anywhere
    ['0.1', '0.1'],
  ])('%s -> %s', (input, expected) => {
    const p = parseDecimal(input, 'x');
    expect(value(p)).toBe(expected);
    if (p.ok) expect(p.value.eq(new ExactDecimal(expected))).toBe(true);
  });

  it('returns instances of the exact clone (no exponent notation in toString)', () => {
    const p = parseDecimal('0.000000000000000000000000000000000001', 'x');
    expect(value(p)).toBe('0.000000000000000000000000000000000001');
    const q = parseDecimal('1' + '0'.repeat(60), 'x');
    expect(value(q)).toBe('1' + '0'.repeat(60));
    if (p.ok) expect(p.value).toBeInstanceOf(ExactDecimal);
  });
});

describe('parseDecimal: maxDecimals', () => {
  it('accepts exactly maxDecimals fractional digits and rejects one more', () => {
    expect(value(parseDecimal('1.23', 'x', { maxDecimals: 2 }))).toBe('1.23');
    expect(codeOf(parseDecimal('1.234', 'x', { maxDecimals: 2 }))).toBe('TOO_PRECISE');
    expect(codeOf(parseDecimal('0.001', 'x', { maxDecimals: 2 }))).toBe('TOO_PRECISE');
  });

  it('ignores trailing zeros beyond the limit', () => {
    expect(value(parseDecimal('1.2300', 'x', { maxDecimals: 2 }))).toBe('1.23');
    expect(value(parseDecimal('5.000000000', 'x', { maxDecimals: 0 }))).toBe('5');
    expect(codeOf(parseDecimal('5.1', 'x', { maxDecimals: 0 }))).toBe('TOO_PRECISE');
  });

  it('checks ZERO before TOO_PRECISE', () => {
    expect(codeOf(parseDecimal('0.000', 'x', { maxDecimals: 0 }))).toBe('ZERO');
  });

  it('throws on a nonsensical maxDecimals (programmer error)', () => {
    expect(() => parseDecimal('1', 'x', { maxDecimals: -1 })).toThrow(RangeError);
    expect(() => parseDecimal('1', 'x', { maxDecimals: 1.5 })).toThrow(RangeError);
  });
});

describe('parseDecimal: very long strings', () => {
  it(`accepts up to ${MAX_DECIMAL_LENGTH} characters`, () => {
    const s = '1.' + '1'.repeat(MAX_DECIMAL_LENGTH - 2);
    expect(s).toHaveLength(MAX_DECIMAL_LENGTH);
    expect(value(parseDecimal(s, 'x'))).toBe(s);
  });

  it('rejects longer strings as MALFORMED, even if they only add zeros', () => {
    expect(codeOf(parseDecimal('1.' + '1'.repeat(MAX_DECIMAL_LENGTH - 1), 'x'))).toBe('MALFORMED');
    expect(codeOf(parseDecimal('1.' + '0'.repeat(MAX_DECIMAL_LENGTH), 'x'))).toBe('MALFORMED');
    expect(codeOf(parseDecimal('9'.repeat(1_000_000), 'x'))).toBe('MALFORMED');
    expect(codeOf(parseDecimal('x'.repeat(1_000_000), 'x'))).toBe('MALFORMED');
  });
});

describe('formatScaled', () => {
  it.each<[bigint, number, string]>([
    [0n, 0, '0'],
    [0n, 8, '0'],
    [1n, 8, '0.00000001'],
    [150000000n, 8, '1.5'],
    [-150000000n, 8, '-1.5'],
    [-1n, 2, '-0.01'],
    [100n, 2, '1'],
    [123n, 0, '123'],
    [10n ** 40n, 18, '10000000000000000000000'],
  ])('%p / 10^%p -> %s', (coef, scale, expected) => {
    expect(formatScaled(coef, scale)).toBe(expected);
  });
});

describe('UnitsError and unwrap', () => {
  it('unwrap returns the value or throws a UnitsError carrying code and field', () => {
    expect(unwrap(parseDecimal('2.5', 'x')).toString()).toBe('2.5');
    let caught: unknown;
    try {
      unwrap(parseDecimal('1e3', 'price'));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UnitsError);
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({ code: 'EXPONENT_FORM', field: 'price', name: 'UnitsError' });
  });
});
