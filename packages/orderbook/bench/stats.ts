/** Small statistics and measurement helpers for the order-book bench. */

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile of an ascending array, p in (0, 100]. */
export function percentile(sorted: Float64Array, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** ends[i] - starts[i] in ns, sorted ascending. */
export function sortedDiffs(starts: BigInt64Array, ends: BigInt64Array, n: number): Float64Array {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = Number(ends[i]! - starts[i]!);
  return d.sort();
}

/** Cost of the latency probe itself: two back-to-back process.hrtime.bigint() calls, same storage as the real loop. */
export function timerOverhead(n: number): { medianNs: number; p99Ns: number; meanNs: number } {
  const starts = new BigInt64Array(n);
  const ends = new BigInt64Array(n);
  const hr = process.hrtime.bigint;
  for (let i = 0; i < n; i++) {
    const t0 = hr();
    const t1 = hr();
    starts[i] = t0;
    ends[i] = t1;
  }
  const d = sortedDiffs(starts, ends, n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += d[i]!;
  return { medianNs: percentile(d, 50), p99Ns: percentile(d, 99), meanNs: sum / n };
}

export function gc(): void {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (pnpm bench:orderbook does)');
  globalThis.gc();
}

/**
 * Heap growth per item: gc, note heapUsed, build, gc again, note heapUsed. Whatever build() allocates
 * and drops (command objects, event arrays) is collected before the second reading; only what the
 * returned structure keeps alive counts.
 */
export function heapPerItem(items: number, build: () => unknown): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = build();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (kept == null) throw new Error('heapPerItem: build() must return what it built'); // also keeps it alive until here
  return (after - before) / items;
}

export const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
