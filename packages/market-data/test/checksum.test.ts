import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { bookChecksum as engineChecksum } from '@exchange/engine';
import { bookChecksum, checksumToken, compareDecimal, crc32Ascii, isCanonicalDecimal, isZeroDecimal } from '../src';

const decimal = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 10 }))
  .map(([coef, scale]) => {
    let s = coef.toString().padStart(scale + 1, '0');
    if (scale > 0) s = `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`.replace(/\.?0+$/, '');
    return { s: s === '' ? '0' : s, coef, scale };
  });

describe('crc32 and the Kraken checksum', () => {
  it('crc32Ascii equals zlib.crc32 on ASCII', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 400 }), (s) => crc32Ascii(s) === crc32(s) >>> 0),
    );
    expect(crc32Ascii('')).toBe(0);
    expect(crc32Ascii('123456789')).toBe(0xcbf43926);
  });

  it('strips the dot and then the leading zeros', () => {
    expect(checksumToken('0.00012')).toBe('12');
    expect(checksumToken('65123.45')).toBe('6512345');
    expect(checksumToken('100')).toBe('100');
    expect(checksumToken('0.5')).toBe('5');
  });

  it('matches the engine on random books (asks low→high, then bids high→low)', () => {
    const level = fc.tuple(decimal, decimal).map(([p, q]) => [p.s, q.s] as [string, string]);
    fc.assert(
      fc.property(fc.array(level, { maxLength: 10 }), fc.array(level, { maxLength: 10 }), (asks, bids) => {
        expect(bookChecksum(asks, bids)).toBe(engineChecksum(asks, bids));
      }),
    );
  });

  it('a documented example', () => {
    // asks 0.05005 x 0.00000500, 0.05010 x 0.00001000 ; bids 0.05000 x 0.00000500 → tokens 5005500 5010 1000 5000 500
    expect(
      bookChecksum(
        [
          ['0.05005', '0.000005'],
          ['0.0501', '0.00001'],
        ],
        [['0.05', '0.000005']],
      ),
    ).toBe(crc32('50055' + '501' + '1' + '5' + '5') >>> 0);
  });
});

describe('exact decimals', () => {
  it('compareDecimal orders like the exact values', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const scale = Math.max(a.scale, b.scale);
        const x = a.coef * 10n ** BigInt(scale - a.scale);
        const y = b.coef * 10n ** BigInt(scale - b.scale);
        const want = x < y ? -1 : x > y ? 1 : 0;
        expect(compareDecimal(a.s, b.s)).toBe(want);
        expect(isCanonicalDecimal(a.s)).toBe(true);
      }),
    );
  });

  it('recognizes zero and non-canonical forms', () => {
    expect(isZeroDecimal('0')).toBe(true);
    expect(isZeroDecimal('0.000')).toBe(true);
    expect(isZeroDecimal('0.001')).toBe(false);
    for (const bad of ['01', '1.0', '-1', '1e5', '.5', '1.', '', ' 1']) expect(isCanonicalDecimal(bad)).toBe(false);
  });
});
