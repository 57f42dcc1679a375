/**
 * `<symbol>@depth<5|10|20>[@100ms]`: Binance's partial book depth, the node's top levels as
 * `{lastUpdateId, bids, asks}` (the shape of REST depth; `lastUpdateId` is the node's book seq). Sent
 * at most once per interval, when the book has moved since the last one, and once after each new
 * subscription.
 */
import type { L2Book } from '@exchange/market-data';
import { StreamSubscribers } from './frames';

export class PartialDepthStream {
  readonly subscribers: StreamSubscribers;
  /** The book seq of the last frame sent (null: send the next tick whatever it is). */
  private sentSeq: number | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    name: string,
    speedMs: number,
    private readonly levels: number,
    private readonly book: () => { book: L2Book; live: boolean },
  ) {
    this.subscribers = new StreamSubscribers(name);
    this.timer = setInterval(() => this.tick(), speedMs);
    this.timer.unref();
  }

  /** A new subscriber gets the levels as they stand at the next tick. */
  resend(): void {
    this.sentSeq = null;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    if (!this.subscribers.size) return;
    const { book, live } = this.book();
    if (!live || book.seq === this.sentSeq) return;
    this.sentSeq = book.seq;
    const { bids, asks } = book.levels(this.levels);
    this.subscribers.emit(JSON.stringify({ lastUpdateId: book.seq, bids, asks }));
  }
}
