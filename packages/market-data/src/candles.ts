/**
 * Candles (OHLCV) built from trades, in integer market units: prices in ticks, volume in lots and
 * quote volume in tick·lot units (bigint: sums can pass 2^53). Buckets are aligned on the epoch;
 * a trade's bucket is floor(ts / interval) × interval, its ts being the command's. Pure.
 */
import { formatScaled, type Market } from '@exchange/units';

export const CANDLE_INTERVALS = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
} as const;
export type CandleInterval = keyof typeof CANDLE_INTERVALS;

export function isCandleInterval(v: unknown): v is CandleInterval {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(CANDLE_INTERVALS, v);
}

export interface CandleBucket {
  /** Open time, ms since epoch. */
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  /** Base volume in lots. */
  v: bigint;
  /** Quote volume in tick·lot units. */
  qv: bigint;
  /** Number of trades. */
  n: number;
}

/** A candle on the wire: decimal strings. */
export interface Candle {
  t: number;
  o: string;
  h: string;
  l: string;
  c: string;
  /** Base volume. */
  v: string;
  /** Quote volume. */
  qv: string;
  n: number;
}

export function formatCandle(b: CandleBucket, m: Market): Candle {
  return {
    t: b.t,
    o: m.formatPrice(b.o),
    h: m.formatPrice(b.h),
    l: m.formatPrice(b.l),
    c: m.formatPrice(b.c),
    v: formatScaled(b.v * m.lotMinor, m.base.decimals),
    qv: formatScaled(b.qv * m.tickLotMinor, m.quote.decimals),
    n: b.n,
  };
}

/** One interval's most recent buckets, oldest first. */
export class CandleSeries {
  private readonly buckets: CandleBucket[] = [];

  constructor(
    readonly intervalMs: number,
    readonly keep: number,
  ) {}

  recent(): readonly CandleBucket[] {
    return this.buckets;
  }

  /** Adds one trade; returns its (updated) bucket, or null when older than every kept bucket. */
  addTrade(ticks: number, lots: number, ts: number): CandleBucket | null {
    const t = ts - (ts % this.intervalMs);
    return this.merge({
      t,
      o: ticks,
      h: ticks,
      l: ticks,
      c: ticks,
      v: BigInt(lots),
      qv: BigInt(ticks) * BigInt(lots),
      n: 1,
    });
  }

  /** Merges a bucket of a finer interval (or of trades) that comes after what the bucket holds. */
  merge(part: CandleBucket): CandleBucket | null {
    const t = part.t - (part.t % this.intervalMs);
    const list = this.buckets;
    let i = list.length - 1;
    while (i >= 0 && list[i]!.t > t) i--;
    const b = i >= 0 ? list[i]! : undefined;
    if (b && b.t === t) {
      if (part.h > b.h) b.h = part.h;
      if (part.l < b.l) b.l = part.l;
      b.c = part.c;
      b.v += part.v;
      b.qv += part.qv;
      b.n += part.n;
      return b;
    }
    if (i < 0 && list.length >= this.keep) return null;
    const fresh = { ...part, t };
    list.splice(i + 1, 0, fresh);
    // fresh is not first here unless the list had room, so the shift never drops it
    if (list.length > this.keep) list.shift();
    return fresh;
  }

  clear(): void {
    this.buckets.length = 0;
  }
}

/** Every configured interval of one market. */
export class CandleSet {
  readonly series = new Map<CandleInterval, CandleSeries>();

  constructor(
    intervals: readonly CandleInterval[],
    private readonly keep: number,
  ) {
    for (const i of intervals) this.series.set(i, new CandleSeries(CANDLE_INTERVALS[i], keep));
  }

  /** Adds one trade to every interval; returns the buckets it changed. */
  addTrade(ticks: number, lots: number, ts: number): Array<[CandleInterval, CandleBucket]> {
    const out: Array<[CandleInterval, CandleBucket]> = [];
    for (const [name, s] of this.series) {
      const b = s.addTrade(ticks, lots, ts);
      if (b) out.push([name, b]);
    }
    return out;
  }

  /** Rebuilds every interval from 1-minute buckets (oldest first), e.g. aggregated from the archive. */
  load(minuteBuckets: readonly CandleBucket[]): void {
    for (const s of this.series.values()) {
      s.clear();
      for (const b of minuteBuckets) s.merge({ ...b });
    }
  }

  /** The longest span any interval keeps, ms: how far back the archive must be read. */
  span(): number {
    let max = 0;
    for (const s of this.series.values()) max = Math.max(max, s.intervalMs);
    return max * this.keep;
  }
}
