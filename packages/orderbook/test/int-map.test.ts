/**
 * IntMap (the book's id and price index) against a plain Map: random add/delete/get sequences over
 * key sets chosen to collide (strided, consecutive, beyond 2^32) and sizes that make it grow and
 * shrink several times; after every step both hold the same entries.
 */
import fc from 'fast-check';
import { IntMap } from '../src/int-map';

type Op = { k: 'add' | 'delete' | 'get'; key: number };

function check(ops: Op[]): void {
  const ours = new IntMap<{ key: number }>((v) => v.key);
  const model = new Map<number, { key: number }>();
  for (const { k, key } of ops) {
    if (k === 'add' && !model.has(key)) {
      const v = { key };
      ours.add(v);
      model.set(key, v);
    } else if (k === 'delete' && model.has(key)) {
      ours.delete(model.get(key)!);
      model.delete(key);
    }
    // Plain comparisons: expect() per step would dominate the run time.
    if (ours.get(key) !== model.get(key)) throw new Error(`after ${k} ${key}: get(${key}) differs`);
    if (ours.size !== model.size) throw new Error(`after ${k} ${key}: size ${ours.size} vs ${model.size}`);
  }
  for (const [key, v] of model) if (ours.get(key) !== v) throw new Error(`at the end: get(${key}) differs`);
}

/** Keys whose home slot in the smallest table (256 slots, see int-map.ts) is one of its last or first two, so probe runs wrap around. */
const wrapping: number[] = [];
for (let k = 1; wrapping.length < 48; k++) {
  const home = Math.imul(k, 0x9e3779b1) >>> 24;
  if (home >= 254 || home <= 1) wrapping.push(k);
}

/** Keys from one of a few families that stress probing: wrapping runs, small range, power-of-two strides, big ids. */
const keyArb = fc.oneof(
  fc.constantFrom(...wrapping),
  fc.integer({ min: 1, max: 64 }),
  fc.integer({ min: 0, max: 40 }).map((i) => 1 + i * 1024),
  fc.integer({ min: 0, max: 40 }).map((i) => 2 ** 32 + i * 2 ** 32 + 7),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);
const opArb = fc.record({ k: fc.constantFrom<Op['k']>('add', 'add', 'delete', 'get'), key: keyArb });

describe('IntMap', () => {
  it('agrees with Map on random add/delete/get sequences with colliding keys', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => check(ops)),
      { numRuns: 300 },
    );
  });

  it('keeps probe runs that wrap around the end of the table reachable through deletions', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(wrapping), fc.shuffledSubarray(wrapping), (adds, deletes) =>
        check([
          ...adds.map((key): Op => ({ k: 'add', key })),
          ...deletes.flatMap((key): Op[] => [{ k: 'delete', key }, ...adds.map((a): Op => ({ k: 'get', key: a }))]),
        ]),
      ),
      { numRuns: 300 },
    );
  });

  it('grows past many resizes and shrinks back, keeping every entry reachable', () => {
    const ops: Op[] = [];
    for (let i = 1; i <= 5000; i++) ops.push({ k: 'add', key: i * 3 });
    for (let i = 1; i <= 5000; i += 2) ops.push({ k: 'delete', key: i * 3 });
    for (let i = 1; i <= 5000; i++) ops.push({ k: 'get', key: i * 3 });
    for (let i = 2; i <= 5000; i += 2) ops.push({ k: 'delete', key: i * 3 });
    ops.push({ k: 'add', key: 42 }, { k: 'get', key: 42 });
    expect(() => check(ops)).not.toThrow();
  });
});
