/**
 * One market's Binance streams on a node, fed by its MarketFeed: depth diffs (DepthStream), the
 * top levels (PartialDepthStream), `trade` (one event per trade, as the engine published it),
 * `kline_<i>` (each changed candle of the node's CandleSet), `ticker` and `miniTicker` (24 h
 * rolling statistics from one-minute buckets, the last trade and, in the full one, the node's best
 * levels; at most once a second) and `bookTicker` (the best bid and ask with their quantities,
 * whenever either changes). Payloads are encoded once per stream and form (see StreamSubscribers).
 */
import {
  CANDLE_INTERVALS,
  CandleSeries,
  formatCandle,
  type CandleBucket,
  type CandleInterval,
  type L2Book,
} from '@exchange/market-data';
import type { MdBookMessage, MdTrade } from '@exchange/protocol';
import { ExactDecimal, formatScaled, type Market } from '@exchange/units';
import type { FeedConnection } from '../connection';
import { DepthStream } from './depth-stream';
import { PartialDepthStream } from './partial-depth-stream';
import { StreamSubscribers } from './frames';
import { streamName, type StreamSpec } from './streams';

const DAY = 86_400_000;
const TICKER_EVERY_MS = 1000;

export class BinanceMarketStreams {
  private readonly depth = new Map<number, DepthStream>();
  /** By `${levels}@${speedMs}`. */
  private readonly partialDepth = new Map<string, PartialDepthStream>();
  private readonly trades: StreamSubscribers;
  private readonly tickers: StreamSubscribers;
  private readonly miniTickers: StreamSubscribers;
  private readonly bookTickers: StreamSubscribers;
  /** The best levels last sent on bookTicker (null: none yet, or nobody was listening). */
  private lastTop: string | null = null;
  private readonly klines = new Map<CandleInterval, StreamSubscribers>();
  /** One-minute buckets of the last 24 h (and a little more), for the ticker. */
  private readonly minutes = new CandleSeries(60_000, 24 * 60 + 2);
  private lastTradeId = 0;
  /** Lots of the last trade the candles took (unknown until one arrives after the node's load). */
  private lastLots: number | null = null;
  private tickerDirty = false;
  private tickerTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly market: Market,
    /** The node's book and whether it is live (read synchronously, on the event loop). */
    private readonly book: () => { book: L2Book; live: boolean },
  ) {
    const sym = market.symbol.toLowerCase();
    this.trades = new StreamSubscribers(`${sym}@trade`);
    this.tickers = new StreamSubscribers(`${sym}@ticker`);
    this.miniTickers = new StreamSubscribers(`${sym}@miniTicker`);
    this.bookTickers = new StreamSubscribers(`${sym}@bookTicker`);
  }

  /** The seconds a reload needs to cover, so the ticker has its 24 h. */
  static readonly historyMs = DAY + 120_000;

  add(spec: StreamSpec, conn: FeedConnection, combined: boolean): void {
    if (spec.kind === 'bookTicker' && !this.bookTickers.size) {
      // like Binance, only changes are sent: the levels as they stand now are the ones last "sent"
      const { book, live } = this.book();
      this.lastTop = live ? topOf(book).key : null;
    }
    this.subscribers(spec, true).add(conn, combined);
    if (spec.kind === 'partialDepth') this.partialDepth.get(partialKey(spec))!.resend();
    if (spec.kind === 'ticker' || spec.kind === 'miniTicker') {
      this.tickerDirty = true; // the newcomer gets the statistics as they stand within a second
      if (!this.tickerTimer) {
        this.tickerTimer = setInterval(() => this.emitTicker(), TICKER_EVERY_MS);
        this.tickerTimer.unref();
      }
    }
  }

  remove(spec: StreamSpec, conn: FeedConnection): void {
    const subs = this.subscribers(spec, false);
    if (!subs) return;
    subs.delete(conn);
    if (subs.size > 0) return;
    if (spec.kind === 'depth') {
      this.depth.get(spec.speedMs)?.stop();
      this.depth.delete(spec.speedMs);
    } else if (spec.kind === 'partialDepth') {
      this.partialDepth.get(partialKey(spec))?.stop();
      this.partialDepth.delete(partialKey(spec));
    } else if (spec.kind === 'kline') this.klines.delete(spec.interval);
    else if (this.tickerTimer && !this.tickers.size && !this.miniTickers.size) {
      clearInterval(this.tickerTimer);
      this.tickerTimer = null;
    }
  }

  stop(): void {
    for (const d of this.depth.values()) d.stop();
    this.depth.clear();
    for (const d of this.partialDepth.values()) d.stop();
    this.partialDepth.clear();
    if (this.tickerTimer) clearInterval(this.tickerTimer);
    this.tickerTimer = null;
  }

  private subscribers(spec: StreamSpec, create: true): StreamSubscribers;
  private subscribers(spec: StreamSpec, create: false): StreamSubscribers | undefined;
  private subscribers(spec: StreamSpec, create: boolean): StreamSubscribers | undefined {
    switch (spec.kind) {
      case 'trade':
        return this.trades;
      case 'ticker':
        return this.tickers;
      case 'miniTicker':
        return this.miniTickers;
      case 'bookTicker':
        return this.bookTickers;
      case 'kline': {
        let s = this.klines.get(spec.interval);
        if (!s && create) this.klines.set(spec.interval, (s = new StreamSubscribers(streamName(spec))));
        return s;
      }
      case 'partialDepth': {
        let d = this.partialDepth.get(partialKey(spec));
        if (!d && create) {
          d = new PartialDepthStream(streamName(spec), spec.speedMs, spec.levels, this.book);
          this.partialDepth.set(partialKey(spec), d);
        }
        return d?.subscribers;
      }
      case 'depth': {
        let d = this.depth.get(spec.speedMs);
        if (!d && create) {
          const { book, live } = this.book();
          d = new DepthStream(streamName(spec), this.market.symbol, spec.speedMs, live ? book.seq : null);
          this.depth.set(spec.speedMs, d);
        }
        return d?.subscribers;
      }
    }
  }

  // ---- from the MarketFeed ----------------------------------------------------------------------

  /** A diff applied to the node's book (`book`, now at the diff's seq). */
  onBook(msg: MdBookMessage, book: L2Book): void {
    for (const d of this.depth.values()) d.onBook(msg);
    this.tickerDirty = true;
    this.emitBookTicker(book);
  }

  onResyncStart(book: L2Book): void {
    for (const d of this.depth.values()) d.onResyncStart(book);
  }

  onLive(book: L2Book): void {
    for (const d of this.depth.values()) d.onLive(book);
    // the first load gives the levels subscribers start from; a reload sends what changed meanwhile
    if (this.lastTop === null && this.bookTickers.size) this.lastTop = topOf(book).key;
    else this.emitBookTicker(book);
  }

  /** Binance's bookTicker event when the best bid or ask (price or quantity) differs from the last sent; `u` = the book's seq. */
  private emitBookTicker(book: L2Book): void {
    if (!this.bookTickers.size) {
      this.lastTop = null;
      return;
    }
    const { key, b, B, a, A } = topOf(book);
    if (key === this.lastTop) return;
    this.lastTop = key;
    this.bookTickers.emit(JSON.stringify({ u: book.seq, s: this.market.symbol, b, B, a, A }));
  }

  /** Trades as published (each once: a trade id at or below the last one is skipped). */
  onTrades(trades: readonly MdTrade[]): void {
    for (const t of trades) {
      if (t.tradeId <= this.lastTradeId) continue;
      this.lastTradeId = t.tradeId;
      this.tickerDirty = true;
      if (!this.trades.size) continue;
      this.trades.emit(
        JSON.stringify({
          e: 'trade',
          E: Date.now(),
          s: this.market.symbol,
          t: t.tradeId,
          p: t.price,
          q: t.qty,
          T: t.ts,
          m: t.side === 'sell',
          M: true,
        }),
      );
    }
  }

  /** One-minute buckets loaded from the archive (oldest first): the ticker's window. */
  loadMinutes(buckets: readonly CandleBucket[]): void {
    this.minutes.clear();
    for (const b of buckets) this.minutes.merge({ ...b });
  }

  /** A trade the node's candles took (in trade-id order, exactly once). */
  addTrade(ticks: number, lots: number, ts: number): void {
    this.minutes.addTrade(ticks, lots, ts);
    this.lastLots = lots;
  }

  wantsKline(interval: CandleInterval): boolean {
    return this.klines.has(interval);
  }

  onCandle(interval: CandleInterval, b: CandleBucket): void {
    const subs = this.klines.get(interval);
    if (!subs) return;
    const c = formatCandle(b, this.market);
    subs.emit(
      JSON.stringify({
        e: 'kline',
        E: Date.now(),
        s: this.market.symbol,
        k: {
          t: c.t,
          T: c.t + CANDLE_INTERVALS[interval] - 1,
          s: this.market.symbol,
          i: interval,
          o: c.o,
          c: c.c,
          h: c.h,
          l: c.l,
          v: c.v,
          n: c.n,
          x: false,
          q: c.qv,
        },
      }),
    );
  }

  private emitTicker(): void {
    if (!this.tickerDirty || (!this.tickers.size && !this.miniTickers.size)) return;
    const { book, live } = this.book();
    if (!live) return;
    this.tickerDirty = false;
    const t = this.ticker(book);
    if (this.tickers.size) this.tickers.emit(JSON.stringify(t));
    if (this.miniTickers.size) {
      const { E, s, c, o, h, l, v, q } = t;
      this.miniTickers.emit(JSON.stringify({ e: '24hrMiniTicker', E, s, c, o, h, l, v, q }));
    }
  }

  /** Binance's 24hrTicker event over the one-minute buckets of the last 24 h. */
  ticker(book: L2Book, now = Date.now()) {
    const m = this.market;
    const since = now - DAY;
    const window = this.minutes.recent().filter((b) => b.t >= since - (since % 60_000));
    let h = 0;
    let l = Number.MAX_SAFE_INTEGER;
    let v = 0n;
    let qv = 0n;
    let n = 0;
    for (const b of window) {
      if (b.h > h) h = b.h;
      if (b.l < l) l = b.l;
      v += b.v;
      qv += b.qv;
      n += b.n;
    }
    const open = window[0]?.o;
    // the minute buckets take every trade in order: the newest one's close is the last price
    const all = this.minutes.recent();
    const last = all[all.length - 1]?.c;
    const price = (t: number | undefined) => (t === undefined ? '0' : m.formatPrice(t));
    let change = '0';
    let percent = '0.000';
    if (open !== undefined && last !== undefined) {
      const diff = last - open;
      change = (diff < 0 ? '-' : '') + m.formatPrice(Math.abs(diff));
      percent = new ExactDecimal(diff).div(open).mul(100).toFixed(3);
    }
    const top = book.levels(1);
    return {
      e: '24hrTicker',
      E: now,
      s: m.symbol,
      p: change,
      P: percent,
      w: v > 0n ? new ExactDecimal(qv.toString()).div(v.toString()).mul(m.spec.tickSize).toFixed(8) : '0',
      c: price(last),
      ...(this.lastLots === null ? {} : { Q: m.formatQty(this.lastLots) }),
      b: top.bids[0]?.[0] ?? '0',
      B: top.bids[0]?.[1] ?? '0',
      a: top.asks[0]?.[0] ?? '0',
      A: top.asks[0]?.[1] ?? '0',
      o: price(open),
      h: n ? m.formatPrice(h) : '0',
      l: n ? m.formatPrice(l) : '0',
      v: formatScaled(v * m.lotMinor, m.base.decimals),
      q: formatScaled(qv * m.tickLotMinor, m.quote.decimals),
      O: since,
      C: now,
      n,
    };
  }
}

/** The best bid and ask with their quantities ('0' on an empty side), and a key to compare them by. */
function topOf(book: L2Book): { key: string; b: string; B: string; a: string; A: string } {
  const { bids, asks } = book.levels(1);
  const [b, B] = bids[0] ?? ['0', '0'];
  const [a, A] = asks[0] ?? ['0', '0'];
  return { key: `${b} ${B} ${a} ${A}`, b, B, a, A };
}

const partialKey = (s: { levels: number; speedMs: number }): string => `${s.levels}@${s.speedMs}`;
