/**
 * `<symbol>@depth@100ms`: the node's book changes merged over each interval and sent as one
 * Binance diff `{e:"depthUpdate", E, s, U, u, pu, b, a}` (absolute quantities, "0" deletes).
 * `u` is the engine seq the book is current as of after the diff and `U` = the previous diff's
 * `u` + 1 (`pu` is that previous `u`), so Binance's procedure — drop diffs with u <= lastUpdateId
 * of the REST snapshot, then require each U = previous u + 1 — holds exactly. When the node
 * reloads its book from the archive (a lost message, a Redis reconnect), the difference between
 * the book its subscribers hold and the reloaded one goes out as one more diff: subscribers never
 * see the node's resync as a gap.
 */
import { diffSide } from '../book-groups';
import type { L2Book, L2Levels } from '@exchange/market-data';
import type { MdBookMessage, MdLevel } from '@exchange/protocol';
import { StreamSubscribers } from './frames';

export class DepthStream {
  readonly subscribers: StreamSubscribers;
  private readonly bids = new Map<string, string>();
  private readonly asks = new Map<string, string>();
  /** The seq subscribers' books are current as of (the last diff's u); null until the book is live. */
  private sentU: number | null;
  private pendingU: number | null = null;
  /** The book as subscribers hold it, kept across a resync of the node. */
  private beforeResync: L2Levels | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    name: string,
    private readonly symbol: string,
    readonly speedMs: number,
    liveSeq: number | null,
  ) {
    this.subscribers = new StreamSubscribers(name);
    this.sentU = liveSeq;
    this.timer = setInterval(() => this.flush(), speedMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A book message the node applied (its book is now current as of msg.u). */
  onBook(msg: MdBookMessage): void {
    if (this.sentU === null) return;
    for (const [p, q] of msg.bids) this.bids.set(p, q);
    for (const [p, q] of msg.asks) this.asks.set(p, q);
    this.pendingU = msg.u;
  }

  /** The node is about to reload its book: send what is pending and remember what subscribers hold. */
  onResyncStart(book: L2Book): void {
    this.flush();
    if (this.sentU !== null && !this.beforeResync) this.beforeResync = book.levels();
  }

  /** The node's book is live again (at book.seq): send the difference from what subscribers hold. */
  onLive(book: L2Book): void {
    const before = this.beforeResync;
    this.beforeResync = null;
    if (this.sentU === null || !before) {
      this.sentU ??= book.seq;
      return;
    }
    if (book.seq <= this.sentU) return;
    const now = book.levels();
    for (const [p, q] of diffSide(before.bids, now.bids, true)) this.bids.set(p, q);
    for (const [p, q] of diffSide(before.asks, now.asks, false)) this.asks.set(p, q);
    this.pendingU = book.seq;
    this.flush();
  }

  /** Sends the pending changes, if any (a seq advance that changed no level needs no diff). */
  flush(): void {
    if (this.pendingU === null || this.sentU === null) return;
    if (this.bids.size === 0 && this.asks.size === 0) return;
    const frame = {
      e: 'depthUpdate',
      E: Date.now(),
      s: this.symbol,
      U: this.sentU + 1,
      u: this.pendingU,
      pu: this.sentU,
      b: [...this.bids] as MdLevel[],
      a: [...this.asks] as MdLevel[],
    };
    this.bids.clear();
    this.asks.clear();
    this.sentU = this.pendingU;
    this.pendingU = null;
    if (this.subscribers.size) this.subscribers.emit(JSON.stringify(frame));
  }
}
