import { IntMap } from './int-map';
import type { Order } from './order';

/**
 * One price with its FIFO queue of orders. A level is at once a node of the ladder's AVL tree
 * (left/right/height), a link in the ladder's best-to-worst list (better/worse) and the head of an
 * intrusive list of orders, so a level costs one allocation and no arrays.
 */
export class Level {
  /** Visible quantity of all orders here, in lots. */
  qty = 0;
  count = 0;
  head: Order | null = null;
  tail: Order | null = null;
  better: Level | null = null;
  worse: Level | null = null;
  left: Level | null = null;
  right: Level | null = null;
  parent: Level | null = null;
  height = 1;

  /** Mutable only so that a removed level can be reused for another price (see Ladder). */
  constructor(public price: number) {}

  push(order: Order): void {
    order.level = this;
    order.prev = this.tail;
    order.next = null;
    if (this.tail) this.tail.next = order;
    else this.head = order;
    this.tail = order;
    this.count++;
    this.qty += order.visible;
  }

  /** Unlinks in O(1); the caller adjusts qty for the order's visible part. */
  unlink(order: Order): void {
    if (order.prev) order.prev.next = order.next;
    else this.head = order.next;
    if (order.next) order.next.prev = order.prev;
    else this.tail = order.prev;
    order.prev = order.next = null;
    order.level = null;
    this.count--;
  }
}

const MAX_SPARE_LEVELS = 256;
const levelPrice = (l: Level): number => l.price;

const height = (n: Level | null): number => (n ? n.height : 0);

function update(n: Level): void {
  const l = height(n.left);
  const r = height(n.right);
  n.height = (l > r ? l : r) + 1;
}

/**
 * The price levels of one side, best first. Best level and the next-worse level are O(1); finding
 * a level by price is O(1) (map); adding or removing a level is O(log n) (AVL), with the tree used
 * only to find a new level's neighbours. Removed levels are kept (a few) for reuse, because levels
 * near the touch come and go all the time and each new one would otherwise outlive a young GC.
 */
export class Ladder {
  best: Level | null = null;
  size = 0;
  private root: Level | null = null;
  private readonly byPrice = new IntMap<Level>(levelPrice);
  /** Removed levels, linked through `worse`. */
  private spare: Level | null = null;
  private spareCount = 0;

  /** ascending: the best level has the lowest price (asks, buy stops); otherwise the highest (bids, sell stops). */
  constructor(readonly ascending: boolean) {}

  get(price: number): Level | undefined {
    return this.byPrice.get(price);
  }

  getOrCreate(price: number): Level {
    return this.byPrice.get(price) ?? this.insert(price);
  }

  /** True when `a` is strictly better than `b` on this side. */
  isBetter(a: number, b: number): boolean {
    return this.ascending ? a < b : a > b;
  }

  private insert(price: number): Level {
    const level = this.newLevel(price);
    // The nearest lower and higher prices already present become the new level's neighbours.
    // One descent finds the tree position and the neighbours.
    let lower: Level | null = null;
    let higher: Level | null = null;
    let parent: Level | null = null;
    for (let n = this.root; n;) {
      parent = n;
      if (price < n.price) {
        higher = n;
        n = n.left;
      } else {
        lower = n;
        n = n.right;
      }
    }
    const better = this.ascending ? lower : higher;
    const worse = this.ascending ? higher : lower;
    level.better = better;
    level.worse = worse;
    if (better) better.worse = level;
    else this.best = level;
    if (worse) worse.better = level;
    level.parent = parent;
    if (parent === null) this.root = level;
    else if (price < parent.price) parent.left = level;
    else parent.right = level;
    this.retrace(parent);
    this.byPrice.add(level);
    this.size++;
    return level;
  }

  remove(level: Level): void {
    if (level.better) level.better.worse = level.worse;
    else this.best = level.worse;
    if (level.worse) level.worse.better = level.better;
    level.better = level.worse = null;
    this.unlinkNode(level);
    this.byPrice.delete(level);
    this.size--;
    if (this.spareCount < MAX_SPARE_LEVELS) {
      level.worse = this.spare;
      this.spare = level;
      this.spareCount++;
    }
  }

  /** Takes a level out of the AVL tree (standard deletion, the in-order successor takes a two-child node's place). */
  private unlinkNode(level: Level): void {
    const { left, right } = level;
    if (left !== null && right !== null) {
      let s = right;
      while (s.left !== null) s = s.left;
      let start: Level = s;
      if (s.parent !== level) {
        start = s.parent!;
        start.left = s.right;
        if (s.right !== null) s.right.parent = start;
        s.right = right;
        right.parent = s;
      }
      s.left = left;
      left.parent = s;
      s.height = level.height;
      this.replaceChild(level.parent, level, s);
      this.retrace(start);
    } else {
      const parent = level.parent;
      this.replaceChild(parent, level, left ?? right);
      this.retrace(parent);
    }
    level.left = level.right = level.parent = null;
    level.height = 1;
  }

  /**
   * Rebalances from `n` up to the root after one insertion or deletion below it, stopping as soon
   * as a subtree keeps its old height (nothing above it can change then).
   */
  private retrace(n: Level | null): void {
    while (n !== null) {
      const old = n.height;
      const sub = this.rebalance(n);
      if (sub.height === old) return;
      n = sub.parent;
    }
  }

  /** Restores the AVL balance at `n` (heights below it are right); returns the subtree's new root. */
  private rebalance(n: Level): Level {
    const bf = height(n.left) - height(n.right);
    if (bf > 1) {
      if (height(n.left!.left) < height(n.left!.right)) this.rotateLeft(n.left!);
      return this.rotateRight(n);
    }
    if (bf < -1) {
      if (height(n.right!.right) < height(n.right!.left)) this.rotateRight(n.right!);
      return this.rotateLeft(n);
    }
    update(n);
    return n;
  }

  private rotateRight(n: Level): Level {
    const l = n.left!;
    const parent = n.parent;
    n.left = l.right;
    if (l.right !== null) l.right.parent = n;
    l.right = n;
    n.parent = l;
    this.replaceChild(parent, n, l);
    update(n);
    update(l);
    return l;
  }

  private rotateLeft(n: Level): Level {
    const r = n.right!;
    const parent = n.parent;
    n.right = r.left;
    if (r.left !== null) r.left.parent = n;
    r.left = n;
    n.parent = r;
    this.replaceChild(parent, n, r);
    update(n);
    update(r);
    return r;
  }

  /** Puts `child` where `old` hung below `parent` (or at the root). */
  private replaceChild(parent: Level | null, old: Level, child: Level | null): void {
    if (parent === null) this.root = child;
    else if (parent.left === old) parent.left = child;
    else parent.right = child;
    if (child !== null) child.parent = parent;
  }

  /** A removed level is still read (its price, qty 0, count 0) by the caller's level event; it is only reused by a later insert. */
  private newLevel(price: number): Level {
    const level = this.spare;
    if (level === null) return new Level(price);
    this.spare = level.worse;
    this.spareCount--;
    level.worse = null;
    level.price = price;
    level.qty = 0;
    level.height = 1;
    return level;
  }

  *levels(): IterableIterator<Level> {
    for (let l = this.best; l; l = l.worse) yield l;
  }
}
