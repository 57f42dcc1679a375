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
  height = 1;

  constructor(readonly price: number) {}

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

const height = (n: Level | null): number => (n ? n.height : 0);

function update(n: Level): void {
  const l = height(n.left);
  const r = height(n.right);
  n.height = (l > r ? l : r) + 1;
}

function rotateRight(n: Level): Level {
  const l = n.left!;
  n.left = l.right;
  l.right = n;
  update(n);
  update(l);
  return l;
}

function rotateLeft(n: Level): Level {
  const r = n.right!;
  n.right = r.left;
  r.left = n;
  update(n);
  update(r);
  return r;
}

function balance(n: Level): Level {
  update(n);
  const bf = height(n.left) - height(n.right);
  if (bf > 1) {
    if (height(n.left!.left) < height(n.left!.right)) n.left = rotateLeft(n.left!);
    return rotateRight(n);
  }
  if (bf < -1) {
    if (height(n.right!.right) < height(n.right!.left)) n.right = rotateRight(n.right!);
    return rotateLeft(n);
  }
  return n;
}

function insertNode(root: Level | null, node: Level): Level {
  if (!root) return node;
  if (node.price < root.price) root.left = insertNode(root.left, node);
  else root.right = insertNode(root.right, node);
  return balance(root);
}

function removeMin(root: Level): Level | null {
  if (!root.left) return root.right;
  root.left = removeMin(root.left);
  return balance(root);
}

function removeNode(root: Level | null, price: number): Level | null {
  if (!root) return null;
  if (price < root.price) root.left = removeNode(root.left, price);
  else if (price > root.price) root.right = removeNode(root.right, price);
  else {
    const { left, right } = root;
    root.left = root.right = null;
    root.height = 1;
    if (!right) return left;
    let min = right;
    while (min.left) min = min.left;
    min.right = removeMin(right);
    min.left = left;
    return balance(min);
  }
  return balance(root);
}

/**
 * The price levels of one side, best first. Best level and the next-worse level are O(1); finding
 * a level by price is O(1) (map); adding or removing a level is O(log n) (AVL), with the tree used
 * only to find a new level's neighbours.
 */
export class Ladder {
  best: Level | null = null;
  size = 0;
  private root: Level | null = null;
  private readonly byPrice = new Map<number, Level>();

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
    const level = new Level(price);
    // The nearest lower and higher prices already present become the new level's neighbours.
    let lower: Level | null = null;
    let higher: Level | null = null;
    for (let n = this.root; n;) {
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
    this.root = insertNode(this.root, level);
    this.byPrice.set(price, level);
    this.size++;
    return level;
  }

  remove(level: Level): void {
    if (level.better) level.better.worse = level.worse;
    else this.best = level.worse;
    if (level.worse) level.worse.better = level.better;
    level.better = level.worse = null;
    this.root = removeNode(this.root, level.price);
    this.byPrice.delete(level.price);
    this.size--;
  }

  *levels(): IterableIterator<Level> {
    for (let l = this.best; l; l = l.worse) yield l;
  }
}
