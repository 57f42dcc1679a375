/**
 * The hand-written command check against the zod schema it stands in front of: it may accept only
 * what zod accepts, with the data zod would give, and it must accept every well-formed command.
 */
import fc from 'fast-check';
import { commandSchema, isWellFormedCommand, parseCommand } from '../src';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const id = fc.integer({ min: 1, max: MAX_SAFE });
const decimal = fc.string({ minLength: 1, maxLength: 64 });
const clientOrderId = fc.stringMatching(/^[A-Za-z0-9._:/-]{1,36}$/);
const base = {
  commandId: fc.string({ minLength: 1, maxLength: 64 }),
  market: fc.stringMatching(/^[A-Z0-9]{2,20}$/),
  ts: fc.maxSafeNat(),
};
const BASE_KEYS = ['commandId', 'market', 'ts', 'type'] as const;

const wellFormed = fc.oneof(
  fc.record(
    {
      ...base,
      type: fc.constant('place'),
      accountId: id,
      orderId: id,
      clientOrderId,
      side: fc.constantFrom('buy', 'sell'),
      orderType: fc.constantFrom('limit', 'market', 'stop_limit', 'stop_market'),
      price: decimal,
      qty: decimal,
      quoteQty: decimal,
      stopPrice: decimal,
      displayQty: decimal,
      tif: fc.constantFrom('GTC', 'IOC', 'FOK'),
      postOnly: fc.boolean(),
      stp: fc.constantFrom('none', 'cancel_newest', 'cancel_oldest', 'cancel_both', 'decrement_and_cancel'),
    },
    { requiredKeys: [...BASE_KEYS, 'accountId', 'orderId', 'side', 'orderType', 'tif', 'stp'] },
  ),
  fc.record(
    { ...base, type: fc.constant('cancel'), accountId: id, orderId: id, clientOrderId },
    { requiredKeys: [...BASE_KEYS, 'accountId'] },
  ),
  fc.record({ ...base, type: fc.constant('cancel_all'), accountId: id }),
  fc.record(
    { ...base, type: fc.constant('amend'), accountId: id, orderId: id, clientOrderId, price: decimal, qty: decimal },
    { requiredKeys: [...BASE_KEYS, 'accountId'] },
  ),
  fc.record({ ...base, type: fc.constantFrom('halt', 'resume') }),
);

/** Values at and around every rule's edge, and JSON of every kind. */
const tricky = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(
    '',
    'a'.repeat(36),
    'a'.repeat(37),
    'a'.repeat(64),
    'a'.repeat(65),
    'A',
    'BTCUSDT',
    'btcusdt',
    'A'.repeat(21),
    'x y',
    'place',
    'cancel',
    'halt',
    'buy',
    'GTC',
    'none',
  ),
  fc.constantFrom(0, -0, -1, 1, 1.5, MAX_SAFE, MAX_SAFE + 1, 2 ** 53 + 2, 1e21, -MAX_SAFE, true, false, null),
);
const KEYS = [
  ...BASE_KEYS,
  'accountId',
  'orderId',
  'clientOrderId',
  'side',
  'orderType',
  'price',
  'qty',
  'quoteQty',
  'stopPrice',
  'displayQty',
  'tif',
  'postOnly',
  'stp',
  'fee',
  'status',
  'constructor',
  'toString',
  '__proto__',
];

/** A JSON object as JSON.parse gives it: own keys only, `__proto__` among them when asked. */
function jsonObject(entries: Array<[string, unknown]>): Record<string, unknown> {
  return JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
}

const mutated = fc
  .tuple(
    wellFormed,
    fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.option(tricky, { nil: undefined })), { minLength: 1, maxLength: 3 }),
  )
  .map(([command, changes]) => {
    const entries = new Map<string, unknown>(Object.entries(command));
    for (const [key, value] of changes) {
      if (value === undefined) entries.delete(key);
      else entries.set(key, value);
    }
    return jsonObject([...entries]);
  });

describe('isWellFormedCommand', () => {
  it('accepts every well-formed command, exactly as zod gives it back', () => {
    fc.assert(
      fc.property(wellFormed, (command) => {
        const value = jsonObject(Object.entries(command));
        expect(isWellFormedCommand(value)).toBe(true);
        const parsed = commandSchema.safeParse(value);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toEqual(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts nothing zod refuses or would change, over commands with fields removed, replaced or added', () => {
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(mutated, (value) => {
        const parsed = commandSchema.safeParse(value);
        if (isWellFormedCommand(value)) {
          seen.accepted++;
          expect(parsed.success).toBe(true);
          expect(parsed.data).toEqual(value);
        } else {
          seen.refused++;
        }
        // the refusal the engine records is always zod's own
        expect(parseCommand(value)).toEqual(parsed);
      }),
      { numRuns: 5000 },
    );
    // both verdicts were reached, so neither assertion above was vacuous
    expect(seen.accepted).toBeGreaterThan(100);
    expect(seen.refused).toBeGreaterThan(100);
  });

  it('leaves values that are not JSON objects to zod', () => {
    for (const v of [null, 1, 'place', [], [{ type: 'halt' }], undefined]) {
      expect(isWellFormedCommand(v)).toBe(false);
      expect(parseCommand(v).success).toBe(false);
    }
    const halt = { type: 'halt', commandId: 'c', market: 'BTCUSDT', ts: 1 };
    expect(isWellFormedCommand(Object.create(halt))).toBe(false);
    expect(isWellFormedCommand({ ...halt, extra: undefined })).toBe(false);
  });
});
