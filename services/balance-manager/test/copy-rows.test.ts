import fc from 'fast-check';
import { copyField, CopyRows } from '../src/copy';

describe('CopyRows writes the COPY text a template string would', () => {
  it('integers, bigints, escaped text and non-ASCII, across buffer growth', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string({ unit: 'binary' }),
            fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
            fc.bigInt({ min: -(10n ** 38n), max: 10n ** 38n }),
          ),
          { maxLength: 3000 },
        ),
        (rows) => {
          const w = new CopyRows();
          let expected = '';
          for (const [text, n, big] of rows) {
            w.text(text).tab().int(n).tab().big(big).endRow();
            expected += `${copyField(text)}\t${n}\t${big}\n`;
          }
          expect(w.bytes().toString('utf8')).toBe(expected);
          expect(w.length).toBe(Buffer.byteLength(expected));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuses a number that is not a safe integer', () => {
    expect(() => new CopyRows().int(2 ** 53)).toThrow(RangeError);
    expect(() => new CopyRows().int(1.5)).toThrow(RangeError);
  });
});
