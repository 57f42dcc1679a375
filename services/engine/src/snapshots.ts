/**
 * Snapshot policy: a book is snapshotted into engine_snapshots (in the transaction of the batch it
 * ends) once it has emitted SNAPSHOT_EVERY_EVENTS events since its last snapshot, or SNAPSHOT_EVERY_MS
 * have passed and it changed, and once more at a clean shutdown. Recovery starts from the newest one.
 */
import { createHash } from 'node:crypto';
import type { OrderBook } from '@exchange/orderbook';

export interface TakenSnapshot {
  seq: number;
  lastInputId: string;
  hash: string;
  /** The BookSnapshot JSON; its sha256 is `hash` (the book's stateHash). */
  text: string;
}

export function takeSnapshot(book: OrderBook, lastInputId: string): TakenSnapshot {
  const text = JSON.stringify(book.snapshot());
  return { seq: book.seq, lastInputId, hash: createHash('sha256').update(text).digest('hex'), text };
}

export class SnapshotPolicy {
  private readonly last = new Map<string, { seq: number; inputId: string; at: number }>();

  constructor(
    private readonly everyEvents: number,
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records where a market's newest snapshot (or the start) is. */
  mark(market: string, seq: number, inputId: string): void {
    this.last.set(market, { seq, inputId, at: this.now() });
  }

  due(market: string, seq: number, inputId: string): boolean {
    const last = this.last.get(market);
    if (!last) return true;
    if (seq - last.seq >= this.everyEvents) return true;
    return this.now() - last.at >= this.everyMs && (seq !== last.seq || inputId !== last.inputId);
  }

  /** At shutdown: only when something changed since the last snapshot. */
  changed(market: string, seq: number, inputId: string): boolean {
    const last = this.last.get(market);
    return !last || seq !== last.seq || inputId !== last.inputId;
  }
}
