/**
 * A seeded random command mix for one market (tick 0.01, lot 0.00001) as wire commands: limit, IOC,
 * market and iceberg places around 1000.00, cancels and amends of recent orders, from `accounts`
 * accounts. Order ids increase (ADR 0002).
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
const qty = (thousandths: number) => (thousandths / 1000).toFixed(3).replace(/\.?0+$/, '') || '0';

export type WireCommand = Record<string, unknown> & { type: string; commandId: string; market: string; ts: number };

export class Workload {
  private readonly rnd: () => number;
  private orderId: number;
  private n = 0;
  private readonly owners = new Map<number, number>();

  constructor(
    private readonly market: string,
    seed: number,
    private readonly opts: { accounts?: number; startTs?: number; startOrderId?: number; msPerCommand?: number } = {},
  ) {
    this.rnd = mulberry32(seed);
    this.orderId = opts.startOrderId ?? 0;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }

  next(): WireCommand {
    this.n++;
    const ts = (this.opts.startTs ?? 1_700_000_000_000) + this.n * (this.opts.msPerCommand ?? 1000);
    const base = { commandId: `${this.market}-${this.n}`, market: this.market, ts };
    const roll = this.rnd();
    if (roll < 0.65 || this.owners.size === 0) {
      const accountId = this.int(1, this.opts.accounts ?? 20);
      const orderId = ++this.orderId;
      this.owners.set(orderId, accountId);
      const side = this.rnd() < 0.5 ? 'buy' : 'sell';
      const p = 100_000 + this.int(-40, 40) + (side === 'buy' ? -8 : 8);
      const common = { ...base, type: 'place', accountId, orderId, side, qty: qty(this.int(1, 40)), stp: 'none' };
      const kind = this.rnd();
      if (kind < 0.75) return { ...common, orderType: 'limit', price: price(p), tif: 'GTC' };
      if (kind < 0.85)
        return {
          ...common,
          orderType: 'limit',
          price: price(p),
          tif: 'GTC',
          qty: qty(this.int(20, 60)),
          displayQty: qty(this.int(2, 10)),
        };
      if (kind < 0.95)
        return { ...common, orderType: 'limit', price: price(p + (side === 'buy' ? 25 : -25)), tif: 'IOC' };
      return { ...common, orderType: 'market', tif: 'IOC' };
    }
    const ids = [...this.owners.keys()];
    const target = ids[Math.max(0, ids.length - 1 - this.int(0, 200))]!;
    const accountId = this.owners.get(target)!;
    if (roll < 0.85) {
      this.owners.delete(target);
      return { ...base, type: 'cancel', accountId, orderId: target };
    }
    if (this.rnd() < 0.5) return { ...base, type: 'amend', accountId, orderId: target, qty: qty(this.int(1, 30)) };
    return { ...base, type: 'amend', accountId, orderId: target, price: price(100_000 + this.int(-45, 45)) };
  }

  take(count: number): WireCommand[] {
    const out: WireCommand[] = [];
    for (let k = 0; k < count; k++) out.push(this.next());
    return out;
  }
}
