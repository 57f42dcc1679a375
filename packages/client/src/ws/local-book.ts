/**
 * A client's copy of one market's L2 book, kept from the feed's `snapshot` and `book` messages:
 * continuity by U/u/pu (a missed delta is a gap) and the Kraken CRC32 of the top levels checked
 * after every message. Any gap or mismatch marks it unsynced; the FeedClient then resubscribes and
 * the next `snapshot` restores it.
 */
import {
  applyBookMessage,
  L2Book,
  type BookSnapshotMessage,
  type L2Levels,
  type MdBookMessage,
} from '@exchange/market-data';

export type BookUpdateOutcome = 'synced' | 'applied' | 'ignored' | 'gap' | 'checksum_mismatch';

export class LocalBook {
  private readonly book = new L2Book();
  private _synced = false;
  /** Snapshots received (the first one included). */
  snapshots = 0;
  /** Times the book was found out of step (gap or checksum) and had to be resynced. */
  resyncs = 0;

  constructor(
    readonly market: string,
    /** The subscription's depth; 0 = full book. */
    readonly depth: number,
  ) {}

  get synced(): boolean {
    return this._synced;
  }

  /** The engine seq the book is current as of. */
  get seq(): number {
    return this.book.seq;
  }

  /** Top `n` levels of each side, best first. */
  levels(n = Infinity): L2Levels {
    return this.book.levels(n);
  }

  checksum(depth: number): number {
    return this.book.checksum(depth);
  }

  onSnapshot(msg: BookSnapshotMessage): BookUpdateOutcome {
    this.snapshots++;
    this.book.reset(msg, msg.lastUpdateId);
    if (this.book.checksum(msg.depth) !== msg.checksum) return this.outOfStep('checksum_mismatch');
    this._synced = true;
    return 'synced';
  }

  onDelta(msg: MdBookMessage): BookUpdateOutcome {
    if (!this._synced) return 'ignored';
    const outcome = applyBookMessage(this.book, msg);
    if (outcome === 'stale') return 'ignored';
    if (outcome === 'gap' || outcome === 'checksum_mismatch') return this.outOfStep(outcome);
    return 'applied';
  }

  /** The connection dropped: deltas from here on cannot be trusted until the next snapshot. */
  invalidate(): void {
    this._synced = false;
  }

  private outOfStep(outcome: 'gap' | 'checksum_mismatch'): BookUpdateOutcome {
    this._synced = false;
    this.resyncs++;
    return outcome;
  }
}
