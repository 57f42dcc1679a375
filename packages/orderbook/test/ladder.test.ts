/**
 * The ladder's AVL tree (parent links, retracing that stops early) against a sorted array: random
 * level inserts and removals on both kinds of side; after every step the best-to-worst list, the
 * price index and the tree (in-order, parent links, heights, balance) must all agree.
 */
import fc from 'fast-check';
import { Ladder, type Level } from '../src/ladder';

function audit(ladder: Ladder, prices: number[]): void {
  const want = [...prices].sort((a, b) => (ladder.ascending ? a - b : b - a));
  const listed = [...ladder.levels()].map((l) => l.price);
  if (JSON.stringify(listed) !== JSON.stringify(want)) throw new Error(`list ${listed} vs ${want}`);
  if (ladder.size !== prices.length) throw new Error(`size ${ladder.size} vs ${prices.length}`);
  for (const p of prices) if (ladder.get(p)?.price !== p) throw new Error(`get(${p}) misses`);
  const inOrder: number[] = [];
  const walk = (n: Level | null, parent: Level | null): number => {
    if (n === null) return 0;
    if (n.parent !== parent) throw new Error(`parent link of ${n.price}`);
    const l = walk(n.left, n);
    inOrder.push(n.price);
    const r = walk(n.right, n);
    if (Math.abs(l - r) > 1) throw new Error(`unbalanced at ${n.price}: ${l} vs ${r}`);
    if (n.height !== Math.max(l, r) + 1) throw new Error(`height of ${n.price}`);
    return n.height;
  };
  walk((ladder as unknown as { root: Level | null }).root, null);
  const ascending = [...prices].sort((a, b) => a - b);
  if (JSON.stringify(inOrder) !== JSON.stringify(ascending)) throw new Error(`tree order ${inOrder}`);
}

describe('Ladder', () => {
  it('keeps list, index and AVL tree consistent through random inserts and removals', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 200 })), { maxLength: 300 }),
        (ascending, ops) => {
          const ladder = new Ladder(ascending);
          const live = new Set<number>();
          for (const [add, price] of ops) {
            const existing = ladder.get(price);
            if (add || !existing) {
              ladder.getOrCreate(price);
              live.add(price);
            } else {
              ladder.remove(existing);
              live.delete(price);
            }
            audit(ladder, [...live]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stays balanced when levels arrive and leave in price order', () => {
    const ladder = new Ladder(false);
    const live: number[] = [];
    for (let p = 1; p <= 1000; p++) {
      ladder.getOrCreate(p);
      live.push(p);
    }
    audit(ladder, live);
    for (let p = 1; p <= 1000; p += 3) {
      ladder.remove(ladder.get(p)!);
      live.splice(live.indexOf(p), 1);
    }
    expect(() => audit(ladder, live)).not.toThrow();
  });
});
