/**
 * A seeded random mix of places, cancels and amends for one market (tick 0.01, lot 0.00001), as the
 * JSON the lock stage forwards. Order ids increase; cancels and amends aim mostly at recent orders.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const price = (ticks: number) => `${Math.floor(ticks / 100)}.${String(ticks % 100).padStart(2, '0')}`;
const qty = (thousandths: number) =>
  thousandths >= 1000
    ? `${Math.floor(thousandths / 1000)}.${String(thousandths % 1000).padStart(3, '0')}`
    : `0.${String(thousandths).padStart(3, '0')}`;

export interface WorkloadOptions {
  market: string;
  seed: number;
  accounts?: number;
  /** ts of the first command; +1 ms per command unless `now` is given. */
  startTs?: number;
  /** Stamps each command with this clock instead (latency measurements). */
  now?: () => number;
}

export function* workload(opts: WorkloadOptions): Generator<string, never> {
  const rnd = mulberry32(opts.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const accounts = opts.accounts ?? 50;
  const owners: number[] = [0];
  let orderId = 0;
  let n = 0;
  const ts0 = opts.startTs ?? 1_700_000_000_000;
  for (;;) {
    n++;
    const base = { commandId: `w${opts.seed}-${n}`, market: opts.market, ts: opts.now ? opts.now() : ts0 + n };
    const roll = rnd();
    if (roll < 0.7 || orderId === 0) {
      const accountId = int(1, accounts);
      owners.push(accountId);
      orderId++;
      const side = rnd() < 0.5 ? 'buy' : 'sell';
      const kind = rnd();
      const p = 100_000 + int(-50, 50) + (side === 'buy' ? -10 : 10);
      const common = { ...base, type: 'place', accountId, orderId, side, qty: qty(int(1, 50)) };
      if (kind < 0.8) {
        yield JSON.stringify({
          ...common,
          orderType: 'limit',
          price: price(p),
          tif: 'GTC',
          stp: rnd() < 0.5 ? 'none' : 'cancel_newest',
        });
      } else if (kind < 0.93) {
        yield JSON.stringify({
          ...common,
          orderType: 'limit',
          price: price(p + (side === 'buy' ? 30 : -30)),
          tif: 'IOC',
          stp: 'cancel_oldest',
        });
      } else {
        yield JSON.stringify({ ...common, orderType: 'market', tif: 'IOC', stp: 'none' });
      }
    } else {
      const target = Math.max(1, orderId - int(0, 400));
      const accountId = owners[target]!;
      if (roll < 0.88) {
        yield JSON.stringify({ ...base, type: 'cancel', accountId, orderId: target });
      } else if (rnd() < 0.5) {
        yield JSON.stringify({ ...base, type: 'amend', accountId, orderId: target, qty: qty(int(1, 30)) });
      } else {
        yield JSON.stringify({
          ...base,
          type: 'amend',
          accountId,
          orderId: target,
          price: price(100_000 + int(-60, 60)),
        });
      }
    }
  }
}

export function take(gen: Generator<string>, count: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < count; k++) out.push(gen.next().value as string);
  return out;
}
