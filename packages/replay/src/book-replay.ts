/**
 * The book side of a replay, pure: archived commands go through the engine's own MarketState (the
 * code live matching and recovery run), every regenerated event is compared byte for byte with the
 * archived row of its seq, and the first disagreement is kept. The book is replayed from the
 * commands whatever the events say, so a tampered event is named without derailing the state.
 */
import { MarketState, parseStreamId, type AppliedCommand } from '@exchange/engine';
import type { MarketConfig } from '@exchange/matching';
import type { BookSnapshot } from '@exchange/orderbook';
import { ReplayError } from './errors';
import type { Divergence, L3OrderView, LevelView, ReconstructedBook } from './types';

/** One engine_commands row. */
export interface CommandRow {
  inputId: string;
  firstSeq: number;
  lastSeq: number;
  commandText: string;
  lockRejected: string | null;
}

/** One events row: its seq and exact body text. */
export interface EventRow {
  seq: number;
  body: string;
}

/**
 * The archived command text as its JSON value. The engine archives every input as JSON (a
 * malformed one as a JSON string), so text that does not parse is a damaged archive.
 */
export function commandValue(row: CommandRow): unknown {
  try {
    return JSON.parse(row.commandText);
  } catch {
    throw new ReplayError('ARCHIVE_UNREADABLE', `archived command ${row.inputId} is not JSON`, { ...row });
  }
}

export class BookReplayer {
  readonly state: MarketState;
  readonly fromSeq: number;
  commands = 0;
  events = 0;
  firstDivergence: Divergence | null = null;

  constructor(config: MarketConfig, start?: { snapshot: BookSnapshot; lastInputId: string; hash: string }) {
    this.state = start ? new MarketState(config, start.snapshot, start.lastInputId) : new MarketState(config);
    if (start) {
      const hash = this.state.mb.book.stateHash();
      if (hash !== start.hash) {
        throw new ReplayError('SNAPSHOT_CORRUPT', `${config.symbol}: snapshot hashes to ${hash}`, {
          market: config.symbol,
          expected: start.hash,
        });
      }
    }
    this.fromSeq = this.state.seq;
  }

  get seq(): number {
    return this.state.seq;
  }

  /**
   * Re-applies one archived command; `archived(seq)` gives the archived body of a seq (null: none).
   * `value` is the row's command parsed (commandValue), passed in so the balance side can share it.
   */
  apply(row: CommandRow, archived: (seq: number) => string | null, value = commandValue(row)): AppliedCommand {
    const input = parseStreamId(row.inputId);
    if (!input) throw new ReplayError('ARCHIVE_UNREADABLE', `malformed input id ${row.inputId}`, { ...row });
    const applied = this.state.applyValue(input, value, row.commandText, row.lockRejected);
    this.commands++;
    if (applied.firstSeq !== row.firstSeq || applied.lastSeq !== row.lastSeq) {
      this.diverge({
        seq: applied.firstSeq,
        reason: 'SEQ_RANGE',
        expected: { firstSeq: row.firstSeq, lastSeq: row.lastSeq },
        actual: { firstSeq: applied.firstSeq, lastSeq: applied.lastSeq },
        cause: row.inputId,
      });
    }
    for (let k = 0; k < applied.bodies.length; k++) {
      const seq = applied.firstSeq + k;
      const body = applied.bodies[k]!;
      const stored = archived(seq);
      this.events++;
      if (stored === null)
        this.diverge({ seq, reason: 'EVENT_MISSING', expected: null, actual: body, cause: row.inputId });
      else if (stored !== body)
        this.diverge({ seq, reason: 'EVENT_MISMATCH', expected: stored, actual: body, cause: row.inputId });
    }
    return applied;
  }

  /** An archived event that no command accounts for. */
  extra(row: EventRow): void {
    this.diverge({ seq: row.seq, reason: 'EVENT_EXTRA', expected: row.body, actual: null });
  }

  diverge(d: Divergence): void {
    if (!this.firstDivergence || d.seq < this.firstDivergence.seq) this.firstDivergence = d;
  }

  stateHash(): string {
    return this.state.mb.book.stateHash();
  }

  /** The book as decimals: L2 (top `depth` levels) and the full L3, with its hash. */
  reconstruct(depth = 100): ReconstructedBook {
    const { book, market } = this.state.mb;
    const price = (ticks: number) => market.formatPrice(ticks);
    const qty = (lots: number) => market.formatQty(lots);
    const level = (l: { price: number; qty: number; count: number }): LevelView => ({
      price: price(l.price),
      qty: qty(l.qty),
      count: l.count,
    });
    const l2 = book.l2(depth);
    const l3 = book.l3();
    const order = (o: (typeof l3.bids)[number]): L3OrderView => {
      const v: L3OrderView = {
        orderId: o.orderId,
        accountId: o.accountId,
        side: o.side,
        price: price(o.price),
        qty: qty(o.qty),
        remaining: qty(o.remaining),
        visible: qty(o.visible),
      };
      if (o.clientOrderId !== undefined) v.clientOrderId = o.clientOrderId;
      return v;
    };
    return {
      seq: book.seq,
      stateHash: book.stateHash(),
      l2: { bids: l2.bids.map(level), asks: l2.asks.map(level) },
      l3: { bids: l3.bids.map(order), asks: l3.asks.map(order) },
    };
  }
}
