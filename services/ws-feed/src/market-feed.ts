/**
 * One market on one node: the L2 book kept in step with md:{market} (BookFollower: subscribe
 * first, buffer, load the archive at seq L, splice), candles built from its trades, and the
 * subscribers of its channels. Everything runs on the event loop, so a snapshot served from memory
 * and its lastUpdateId are always consistent. A gap or checksum mismatch reloads from the archive
 * and then re-sends a `snapshot` (and `candles`) to every subscriber.
 */
import {
  BookFollower,
  CandleSet,
  formatCandle,
  type ArchivedBook,
  type CandleBucket,
  type CandleInterval,
  type CandlesMessage,
  type ServerMessage,
} from '@exchange/market-data';
import type { MarketDataMessage, MdBookMessage, MdTrade } from '@exchange/protocol';
import type { Logger } from '@exchange/service-kit';
import { keys } from '@exchange/protocol';
import type { Market } from '@exchange/units';
import { BinanceMarketStreams } from './binance/market-streams';
import { BookGroup } from './book-groups';
import type { FeedConnection } from './connection';
import type { FeedMetrics } from './metrics';
import type { RedisFanout } from './redis-fanout';

export interface ArchiveLoad {
  book: ArchivedBook;
  /** 1-minute candle buckets since the requested time. */
  minutes: CandleBucket[];
}

export interface MarketFeedDeps {
  fanout: RedisFanout;
  /** Reads the archive at one seq (book, last trade id, recent trades as minute buckets). */
  load(market: Market, sinceTs: number): Promise<ArchiveLoad>;
  log: Logger;
  metrics: FeedMetrics;
  checksumDepth: number;
  candleIntervals: readonly CandleInterval[];
  candleHistory: number;
}

const MAX_BUFFERED_TRADES = 100_000;

const encode = (msg: ServerMessage | MarketDataMessage): Buffer => Buffer.from(JSON.stringify(msg));

function broadcast(clients: Iterable<FeedConnection>, frame: Buffer): void {
  for (const c of clients) c.send(frame);
}

export class MarketFeed {
  readonly symbol: string;
  private readonly follower = new BookFollower();
  private readonly groups = new Map<number, BookGroup>();
  private readonly trades = new Set<FeedConnection>();
  private readonly tickers = new Set<FeedConnection>();
  private readonly candleSubs = new Map<CandleInterval, Set<FeedConnection>>();
  private readonly candles: CandleSet;
  private lastTradeId = 0;
  /** Trades received while syncing, applied to the candles after the load (those above its seq). */
  private tradeBuffer: MdTrade[] | null = [];
  private loading = false;
  private reloadRequested = false;
  private stopped = false;
  /** The market's Binance-style streams (`/ws/<symbol>@…`), fed from the same messages. */
  readonly binance: BinanceMarketStreams;

  constructor(
    readonly market: Market,
    private readonly deps: MarketFeedDeps,
  ) {
    this.symbol = market.symbol;
    this.candles = new CandleSet(deps.candleIntervals, deps.candleHistory);
    this.binance = new BinanceMarketStreams(market, () => ({ book: this.follower.book, live: this.live }));
  }

  get live(): boolean {
    return this.follower.state === 'live' && !this.loading;
  }

  get seq(): number {
    return this.follower.seq;
  }

  /** The book as of `seq` (read it synchronously with `seq`). */
  get book() {
    return this.follower.book;
  }

  /** Subscribes to md:{market} first, then loads the archive. Resolves when the subscription is active. */
  async start(): Promise<void> {
    await this.deps.fanout.subscribe(keys.marketDataChannel(this.symbol), (buf) => this.onMessage(buf));
    this.resync('start');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.binance.stop();
    await this.deps.fanout.unsubscribe(keys.marketDataChannel(this.symbol));
  }

  /** Reloads from the archive (messages are buffered meanwhile); every subscriber then gets a fresh snapshot. */
  resync(reason: string): void {
    if (this.stopped) return;
    this.deps.metrics.resyncs.inc({ market: this.symbol, reason });
    if (reason !== 'start') this.deps.log.warn({ market: this.symbol, reason, seq: this.seq }, 'market resync');
    this.binance.onResyncStart(this.follower.book);
    this.follower.beginSync();
    this.tradeBuffer = [];
    if (this.loading) {
      this.reloadRequested = true;
      return;
    }
    void this.loadLoop();
  }

  private async loadLoop(): Promise<void> {
    this.loading = true;
    for (let attempt = 1; !this.stopped; attempt++) {
      this.reloadRequested = false;
      let loaded: ArchiveLoad;
      try {
        loaded = await this.deps.load(
          this.market,
          Date.now() - Math.max(this.candles.span(), BinanceMarketStreams.historyMs),
        );
      } catch (err) {
        this.deps.log.error({ err, market: this.symbol, attempt }, 'archive load failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
        continue;
      }
      if (this.reloadRequested) continue;
      const { book, minutes } = loaded;
      const outcome = this.follower.onSnapshot({ bids: book.bids, asks: book.asks }, book.seq);
      if (outcome !== 'live') {
        this.deps.log.warn(
          { market: this.symbol, outcome, seq: book.seq },
          'buffered messages do not join the archive; reloading',
        );
        this.tradeBuffer = [];
        continue;
      }
      this.candles.load(minutes);
      this.binance.loadMinutes(minutes);
      this.lastTradeId = book.lastTradeId;
      const pending = this.tradeBuffer ?? [];
      this.tradeBuffer = null;
      if (
        !this.applyTrades(
          pending.filter((t) => t.seq > book.seq),
          false,
        )
      ) {
        this.follower.beginSync();
        this.tradeBuffer = [];
        continue;
      }
      break;
    }
    this.loading = false;
    if (!this.stopped) this.onLive();
  }

  /** After a (re)load: every book subscriber gets a snapshot, every candle subscriber the history. */
  private onLive(): void {
    const book = this.follower.book;
    this.binance.onLive(book);
    for (const g of this.groups.values()) {
      g.reset(book);
      broadcast(g.clients, encode(g.snapshot(this.symbol, book, this.deps.checksumDepth)));
    }
    for (const [interval, subs] of this.candleSubs) broadcast(subs, encode(this.candleHistory(interval)));
  }

  private onMessage(raw: Buffer): void {
    let msg: MarketDataMessage;
    try {
      msg = JSON.parse(raw.toString()) as MarketDataMessage;
    } catch (err) {
      this.deps.log.error({ err, market: this.symbol }, 'unparsable market data message');
      return;
    }
    this.deps.metrics.mdMessages.inc({ type: msg.type });
    switch (msg.type) {
      case 'book':
        return this.onBook(msg, raw);
      case 'trades':
        broadcast(this.trades, raw);
        this.binance.onTrades(msg.trades);
        if (this.tradeBuffer) {
          this.tradeBuffer.push(...msg.trades);
          // Bounded like the book buffer: dropping the oldest shows up as a trade-id gap after the load.
          if (this.tradeBuffer.length > MAX_BUFFERED_TRADES)
            this.tradeBuffer.splice(0, this.tradeBuffer.length - MAX_BUFFERED_TRADES);
        } else if (!this.applyTrades(msg.trades, true)) this.resync('trade_gap');
        return;
      case 'ticker':
        return broadcast(this.tickers, raw);
      case 'status':
        return broadcast(this.allSubscribers(), raw);
      default:
    }
  }

  private onBook(msg: MdBookMessage, raw: Buffer): void {
    const outcome = this.follower.onMessage(msg);
    if (outcome === 'gap' || outcome === 'checksum_mismatch') return this.resync(outcome);
    if (outcome !== 'applied') return;
    const book = this.follower.book;
    this.binance.onBook(msg, book);
    for (const g of this.groups.values()) {
      const frame = g.delta(msg, raw, book);
      if (frame) broadcast(g.clients, frame);
    }
  }

  /** Adds trades (in order) to the candles; false on a trade id gap (some trades were missed). */
  private applyTrades(list: readonly MdTrade[], publish: boolean): boolean {
    const changed = new Map<CandleInterval, Map<number, CandleBucket>>();
    for (const t of list) {
      if (t.tradeId <= this.lastTradeId) continue;
      if (t.tradeId !== this.lastTradeId + 1) return false;
      this.lastTradeId = t.tradeId;
      const ticks = this.market.parsePrice(t.price);
      const lots = this.market.parseQty(t.qty);
      if (!ticks.ok || !lots.ok) continue;
      this.binance.addTrade(ticks.value, lots.value, t.ts);
      for (const [interval, bucket] of this.candles.addTrade(ticks.value, lots.value, t.ts)) {
        if (!publish || (!this.candleSubs.has(interval) && !this.binance.wantsKline(interval))) continue;
        let m = changed.get(interval);
        if (!m) changed.set(interval, (m = new Map()));
        m.set(bucket.t, bucket);
      }
    }
    for (const [interval, buckets] of changed) {
      const subs = this.candleSubs.get(interval);
      for (const b of buckets.values()) {
        this.binance.onCandle(interval, b);
        if (!subs) continue;
        broadcast(
          subs,
          encode({ type: 'candle', market: this.symbol, interval, candle: formatCandle(b, this.market) }),
        );
      }
    }
    return true;
  }

  private candleHistory(interval: CandleInterval): CandlesMessage {
    const series = this.candles.series.get(interval);
    return {
      type: 'candles',
      market: this.symbol,
      interval,
      candles: series ? series.recent().map((b) => formatCandle(b, this.market)) : [],
    };
  }

  hasInterval(interval: CandleInterval): boolean {
    return this.candles.series.has(interval);
  }

  // ---- subscribers --------------------------------------------------------------------------------

  addBook(conn: FeedConnection, depth: number): void {
    let g = this.groups.get(depth);
    if (!g) this.groups.set(depth, (g = new BookGroup(depth, this.follower.book)));
    g.clients.add(conn);
    if (this.live) conn.sendMessage(g.snapshot(this.symbol, this.follower.book, this.deps.checksumDepth));
  }

  removeBook(conn: FeedConnection, depth: number): void {
    const g = this.groups.get(depth);
    if (!g) return;
    g.clients.delete(conn);
    if (g.clients.size === 0) this.groups.delete(depth);
  }

  addTrades(conn: FeedConnection): void {
    this.trades.add(conn);
  }

  removeTrades(conn: FeedConnection): void {
    this.trades.delete(conn);
  }

  addTicker(conn: FeedConnection): void {
    this.tickers.add(conn);
  }

  removeTicker(conn: FeedConnection): void {
    this.tickers.delete(conn);
  }

  addCandles(conn: FeedConnection, interval: CandleInterval): void {
    let subs = this.candleSubs.get(interval);
    if (!subs) this.candleSubs.set(interval, (subs = new Set()));
    subs.add(conn);
    if (this.live) conn.sendMessage(this.candleHistory(interval));
  }

  removeCandles(conn: FeedConnection, interval: CandleInterval): void {
    const subs = this.candleSubs.get(interval);
    if (!subs) return;
    subs.delete(conn);
    if (subs.size === 0) this.candleSubs.delete(interval);
  }

  private allSubscribers(): Set<FeedConnection> {
    const all = new Set<FeedConnection>([...this.trades, ...this.tickers]);
    for (const g of this.groups.values()) for (const c of g.clients) all.add(c);
    for (const s of this.candleSubs.values()) for (const c of s) all.add(c);
    return all;
  }
}
