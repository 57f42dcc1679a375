import fc from 'fast-check';
import { amendDown, BookSequence, centsToPrice, classify, crossingOrder, passiveOrder } from '../k6/lib/workload.js';
import { formatTable, LatencyRecorder } from '../src/stats';

const cents = (price: string) => {
  const [w, f] = price.split('.');
  expect(f).toHaveLength(2);
  return Number(w) * 100 + Number(f);
};

test('orders: two-decimal prices on the tick; crossing buys sit at or above every crossing sell', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 2, maxLength: 2 }),
      ([a, b]) => {
        const o = crossingOrder(() => 0, 'BTCUSDT');
        expect(o.price).toBe('65000.00');
        const seq = [a!, b!];
        const order = crossingOrder(() => seq.shift()!);
        const c = cents(order.price);
        if (order.side === 'buy') expect(c).toBeGreaterThanOrEqual(6_500_000);
        else expect(c).toBeLessThanOrEqual(6_500_000);
        const passive = passiveOrder(() => a!);
        expect(cents(passive.price)).toBeLessThan(6_500_000 * 0.9 + 1);
        expect(cents(amendDown(passive.price).price)).toBe(cents(passive.price) - 1);
      },
    ),
  );
  expect(centsToPrice(105)).toBe('1.05');
});

test('classify: 2xx ok, 429 throttled, everything else an error', () => {
  expect([200, 202, 429, 400, 401, 409, 500, 503].map(classify)).toEqual([
    'ok',
    'ok',
    'throttled',
    'error',
    'error',
    'error',
    'error',
    'error',
  ]);
});

test('BookSequence: stale dropped, continuous applied, a hole is a gap', () => {
  const s = new BookSequence();
  expect(s.update(0, 5)).toBe('before-snapshot');
  s.snapshot(10);
  expect(s.update(5, 9)).toBe('stale');
  expect(s.update(8, 12)).toBe('applied');
  expect(s.update(12, 15)).toBe('applied');
  expect(s.update(17, 20)).toBe('gap');
  expect([s.applied, s.stale, s.gaps, s.last]).toEqual([2, 1, 1, 15]);
});

test('LatencyRecorder: nearest-rank percentiles and coordinated-omission correction', () => {
  const r = new LatencyRecorder();
  for (let i = 1; i <= 100; i++) r.record(i);
  expect([r.percentile(50), r.percentile(95), r.percentile(99), r.percentile(100)]).toEqual([50, 95, 99, 100]);
  const co = new LatencyRecorder();
  co.record(100, 10); // one answer 100 ms late at a 10 ms pace hides 9 requests of 90…10 ms
  expect(co.count).toBe(10);
  expect(co.percentile(50)).toBe(50);
  expect(new LatencyRecorder().percentile(99)).toBe(0);
});

test('formatTable: the docs/benchmarks.md columns', () => {
  const t = formatTable([
    {
      scenario: 's',
      requests: 10,
      throttled: 1,
      errors: 0,
      p50: 1.25,
      p95: 12.4,
      p99: 30,
      throughput: 99.6,
      notes: { x: 1 },
    },
  ]);
  expect(t.split('\n')[0]).toBe('| scenario | requests | throttled | errors | p50 | p95 | p99 | throughput |');
  expect(t).toContain('| s | 10 | 1 | 0 | 1.3 ms | 12 ms | 30 ms | 100/s |');
  expect(t).toContain('- s: x 1');
});
