import {
  MAX_ASSET_DECIMALS,
  UnitsError,
  assertAssetSpec,
  formatAmount,
  parseAmount,
  type AssetSpec,
  type Parsed,
} from '../src';

const BTC: AssetSpec = { code: 'BTC', decimals: 8 };
const USDT: AssetSpec = { code: 'USDT', decimals: 6 };
const JPY: AssetSpec = { code: 'JPY', decimals: 0 };
const ETH: AssetSpec = { code: 'ETH', decimals: 18 };

function codeOf(p: Parsed<unknown>): string {
  return p.ok ? 'ok' : p.code;
}

function minor(p: Parsed<bigint>): bigint {
  if (!p.ok) throw new Error(`expected ok, got ${p.code}: ${p.message}`);
  return p.value;
}

describe('parseAmount', () => {
  it.each<[string, AssetSpec, bigint]>([
    ['1', BTC, 100_000_000n],
    ['1.5', BTC, 150_000_000n],
    ['0.00000001', BTC, 1n],
    ['0.000000010000', BTC, 1n],
    ['00012.50', BTC, 1_250_000_000n],
    ['21000000', BTC, 2_100_000_000_000_000n],
    ['123', JPY, 123n],
    ['65123.45', USDT, 65_123_450_000n],
    ['123.000', JPY, 123n],
    ['0.000000000000000001', ETH, 1n],
    ['1.000000000000000001', ETH, 1_000_000_000_000_000_001n],
  ])('%s %p -> %p minor units', (input, asset, expected) => {
    expect(minor(parseAmount(input, asset))).toBe(expected);
  });

  it('rejects more fractional digits than the asset has (exactly at the limit is fine)', () => {
    expect(minor(parseAmount('0.12345678', BTC))).toBe(12_345_678n);
    expect(codeOf(parseAmount('0.123456789', BTC))).toBe('TOO_PRECISE');
    expect(codeOf(parseAmount('1.5', JPY))).toBe('TOO_PRECISE');
    expect(codeOf(parseAmount('0.0000000000000000001', ETH))).toBe('TOO_PRECISE');
  });

  it('accepts amounts just below 10^36 minor units and rejects 10^36', () => {
    const max = '9'.repeat(28) + '.' + '9'.repeat(8); // (10^36 - 1) satoshi
    expect(minor(parseAmount(max, BTC))).toBe(10n ** 36n - 1n);
    expect(codeOf(parseAmount('1' + '0'.repeat(28), BTC))).toBe('OUT_OF_RANGE');
    expect(minor(parseAmount('9'.repeat(36), JPY))).toBe(10n ** 36n - 1n);
    expect(codeOf(parseAmount('1' + '0'.repeat(36), JPY))).toBe('OUT_OF_RANGE');
    expect(minor(parseAmount('9'.repeat(18), ETH))).toBe(10n ** 36n - 10n ** 18n);
    expect(codeOf(parseAmount('1' + '0'.repeat(18), ETH))).toBe('OUT_OF_RANGE');
  });

  it('rejects zero unless allowZero', () => {
    expect(codeOf(parseAmount('0', BTC))).toBe('ZERO');
    expect(minor(parseAmount('0.00', BTC, 'amount', { allowZero: true }))).toBe(0n);
  });

  it.each<[unknown, string]>([
    [1, 'NOT_A_STRING'],
    [0.1, 'NOT_A_STRING'],
    [1n, 'NOT_A_STRING'],
    ['', 'EMPTY'],
    ['1.', 'MALFORMED'],
    ['１', 'MALFORMED'],
    ['1e8', 'EXPONENT_FORM'],
    ['-1', 'NEGATIVE'],
    ['-0', 'NEGATIVE'],
  ])('%p -> %s', (input, code) => {
    expect(codeOf(parseAmount(input, BTC))).toBe(code);
  });

  it('uses the given field name (default "amount")', () => {
    expect(parseAmount('x', BTC)).toMatchObject({ ok: false, field: 'amount' });
    expect(parseAmount('x', BTC, 'fee')).toMatchObject({ ok: false, field: 'fee' });
  });
});

describe('formatAmount', () => {
  it.each<[bigint, AssetSpec, string]>([
    [150_000_000n, BTC, '1.5'],
    [100_000_000n, BTC, '1'],
    [1n, BTC, '0.00000001'],
    [0n, BTC, '0'],
    [-150_000_000n, BTC, '-1.5'],
    [-1n, BTC, '-0.00000001'],
    [123n, JPY, '123'],
    [0n, JPY, '0'],
    [1n, ETH, '0.000000000000000001'],
    [10n ** 36n - 1n, ETH, '999999999999999999.999999999999999999'],
  ])('%p %p -> %s', (m, asset, expected) => {
    expect(formatAmount(m, asset)).toBe(expected);
  });

  it('refuses a number (floats are not money)', () => {
    expect(() => formatAmount(1 as unknown as bigint, BTC)).toThrow(TypeError);
  });
});

describe('asset spec validation', () => {
  it.each<[unknown, string]>([
    [null, 'asset'],
    ['BTC', 'asset'],
    [{ code: 'btc', decimals: 8 }, 'asset.code'],
    [{ code: '', decimals: 8 }, 'asset.code'],
    [{ code: 'ABCDEFGHIJKLM', decimals: 8 }, 'asset.code'],
    [{ code: 'BT-C', decimals: 8 }, 'asset.code'],
    [{ code: 1, decimals: 8 }, 'asset.code'],
    [{ code: 'BTC', decimals: -1 }, 'asset.decimals'],
    [{ code: 'BTC', decimals: MAX_ASSET_DECIMALS + 1 }, 'asset.decimals'],
    [{ code: 'BTC', decimals: 1.5 }, 'asset.decimals'],
    [{ code: 'BTC', decimals: '8' }, 'asset.decimals'],
    [{ code: 'BTC' }, 'asset.decimals'],
  ])('%p is INVALID_ASSET (%s)', (asset, field) => {
    expect(() => assertAssetSpec(asset)).toThrow(UnitsError);
    try {
      parseAmount('1', asset as AssetSpec);
      throw new Error('parseAmount should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(UnitsError);
      expect(e).toMatchObject({ code: 'INVALID_ASSET', field });
    }
    expect(() => formatAmount(1n, asset as AssetSpec)).toThrow(UnitsError);
  });

  it('accepts the edges', () => {
    expect(() => assertAssetSpec({ code: 'A', decimals: 0 })).not.toThrow();
    expect(() => assertAssetSpec({ code: 'ABCDEFGHIJ12', decimals: MAX_ASSET_DECIMALS })).not.toThrow();
  });
});
