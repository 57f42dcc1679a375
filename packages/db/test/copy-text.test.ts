import fc from 'fast-check';
import { CopyBuffer, copyText } from '../src';

describe('CopyBuffer writes the COPY text a template string would', () => {
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
          const w = new CopyBuffer();
          let expected = '';
          for (const [text, n, big] of rows) {
            w.text(text).tab().int(n).tab().big(big).endRow();
            expected += `${copyText(text)}\t${n}\t${big}\n`;
          }
          expect(w.length).toBe(Buffer.byteLength(expected));
          expect(w.take().toString('utf8')).toBe(expected);
          expect(w.length).toBe(0);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('appends text as it is and counts its UTF-8 bytes; long and non-ASCII fields are escaped too', () => {
    const w = new CopyBuffer(4);
    expect(w.append('ü€\t')).toBe(6);
    const long = `${'x'.repeat(100)}\t${'y'.repeat(100)}`;
    w.text(long).tab().text('é\n');
    expect(w.take().toString('utf8')).toBe(`ü€\t${'x'.repeat(100)}\\t${'y'.repeat(100)}\té\\n`);
  });

  it('refuses a number that is not a safe integer', () => {
    expect(() => new CopyBuffer().int(2 ** 53)).toThrow(RangeError);
    expect(() => new CopyBuffer().int(1.5)).toThrow(RangeError);
  });
});
