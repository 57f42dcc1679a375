import type { MdBookMessage } from '@exchange/protocol';
import { L2Book, type L2Levels } from './l2-book';

/** What happened to one book message. */
export type DeltaOutcome =
  /** applied; the book is now current as of the message's `u` */
  | 'applied'
  /** already covered by the book (u <= its seq): ignored */
  | 'stale'
  /** a message was missed (pu > the book's seq): the book must be resynced from a snapshot */
  | 'gap'
  /** applied, but the book's checksum differs from the message's: the book must be resynced */
  | 'checksum_mismatch';

/**
 * Binance-style continuity with the engine's `pu` (see MdBookMessage): drop a message with
 * `u <= seq`, apply one with `pu <= seq`, otherwise report a gap. After applying, the top `depth`
 * levels must give the message's checksum.
 */
export function applyBookMessage(book: L2Book, msg: MdBookMessage, verifyChecksum = true): DeltaOutcome {
  if (msg.u <= book.seq) return 'stale';
  if (msg.pu > book.seq) return 'gap';
  book.apply(msg.bids, msg.asks);
  book.seq = msg.u;
  if (verifyChecksum && book.checksum(msg.depth) !== msg.checksum) return 'checksum_mismatch';
  return 'applied';
}

export type FollowerState = 'syncing' | 'live';

/**
 * Keeps an L2 book in step with a stream of book messages that may lose some (Redis pub/sub), using
 * snapshots taken at a known seq: subscribe first, `beginSync()`, buffer, load a snapshot at seq L,
 * `onSnapshot(levels, L)` drops the buffered messages with u <= L and applies the rest with
 * continuity. Any gap or checksum mismatch puts it back to `syncing` (the caller loads a new
 * snapshot). Pure: the caller owns the IO.
 */
export class BookFollower {
  readonly book = new L2Book();
  private _state: FollowerState = 'syncing';
  private buffer: MdBookMessage[] = [];

  constructor(private readonly maxBuffered = 100_000) {}

  get state(): FollowerState {
    return this._state;
  }

  get seq(): number {
    return this.book.seq;
  }

  /** Starts (or restarts) a sync: messages are buffered until the next `onSnapshot`. */
  beginSync(): void {
    this._state = 'syncing';
    this.buffer = [];
  }

  /** A book message from the channel. `buffered` while syncing; otherwise what applying it did. */
  onMessage(msg: MdBookMessage): DeltaOutcome | 'buffered' {
    if (this._state === 'syncing') {
      // Dropping the oldest on overflow can only cause a gap, which the splice detects.
      if (this.buffer.length >= this.maxBuffered) this.buffer.shift();
      this.buffer.push(msg);
      return 'buffered';
    }
    const outcome = applyBookMessage(this.book, msg);
    if (outcome === 'gap' || outcome === 'checksum_mismatch') this.beginSync();
    return outcome;
  }

  /**
   * The snapshot loaded at seq `seq` (levels as of that seq). `live` when the buffered messages
   * spliced on without a gap; otherwise the follower is syncing again and wants another snapshot.
   */
  onSnapshot(levels: L2Levels, seq: number): 'live' | 'gap' | 'checksum_mismatch' {
    this.book.reset(levels, seq);
    const buffered = this.buffer;
    this.buffer = [];
    for (const msg of buffered) {
      const outcome = applyBookMessage(this.book, msg);
      if (outcome === 'gap' || outcome === 'checksum_mismatch') {
        this.beginSync();
        return outcome;
      }
    }
    this._state = 'live';
    return 'live';
  }
}
