/**
 * One market's replay from Postgres: the command log and the event log streamed side by side (two
 * COPYs on two connections), merged by seq, through the BookReplayer, each command's locks and
 * settled events handed to the balance side.
 */
import type { Pool, PoolClient } from '@exchange/db';
import type { MarketRow } from '@exchange/engine';
import type { BalanceReplayer } from './balance-replay';
import { BookReplayer, commandValue, type EventRow } from './book-replay';
import { copyField, LineCursor } from './copy-lines';
import { commandLines, eventLines, type SnapshotRow } from './archive';
import { ReplayError } from './errors';
import type { MarketResult } from './types';

export interface MarketPlan {
  row: MarketRow;
  /** Last seq to replay to (a command boundary at or below it). */
  end: number;
  /** The request named no end point: the replay must land on the checkpoint and consume the whole archive. */
  toCheckpoint: boolean;
  start: SnapshotRow | null;
  /** The engine's newest snapshot at or below `end`: the live hash compared with. */
  live: SnapshotRow | null;
  /** Balance side, when this market is in it: settle events with seq <= settleTo. */
  balances: { replayer: BalanceReplayer; settleTo: number } | null;
}

export interface MarketHooks {
  /** Called after every chunk of commands with the events regenerated in it. */
  onEvents(n: number): void;
  signal?: AbortSignal;
  /** Awaited after every chunk (tests slow a replay down with it). */
  afterChunk?: () => Promise<void>;
}

/**
 * Reads the archived events ahead of the replay. Seqs are gapless in a sound archive, so the bodies
 * not yet consumed sit in an array indexed by seq − base, consumed from `head` on; a gap or a forged
 * seq still lands somewhere and is reported by the caller as missing or extra. Per command this
 * allocates nothing: the window is compacted only once its consumed prefix is large.
 */
class EventBuffer {
  private bodies: Array<string | undefined> = [];
  /** The seq of bodies[0]. */
  private base: number;
  /** bodies[0 .. head) are consumed. */
  private head = 0;
  /** Rows below the window (out of order): reported as extra. */
  private extras: EventRow[] = [];
  /** Highest seq read so far. */
  top: number;

  constructor(
    private readonly cursor: LineCursor,
    from: number,
  ) {
    this.top = from;
    this.base = from + 1;
  }

  /** Buffers every archived event with seq <= `seq`. */
  async fill(seq: number): Promise<void> {
    while (this.top < seq) {
      const line = this.cursor.buffered() ?? (await this.cursor.next());
      if (line === null) return;
      const tab = line.indexOf('\t');
      const rowSeq = Number(line.slice(0, tab));
      const body = copyField(line.slice(tab + 1))!;
      if (rowSeq < this.base + this.head) this.extras.push({ seq: rowSeq, body });
      else this.bodies[rowSeq - this.base] = body;
      this.top = rowSeq;
    }
  }

  /** The archived body of `seq`, consumed; null when there is none (or it was consumed). */
  take(seq: number): string | null {
    const k = seq - this.base;
    const body = k >= this.head ? this.bodies[k] : undefined;
    if (body === undefined) return null;
    this.bodies[k] = undefined;
    return body;
  }

  /** Rows with seq <= `seq` that no command took, in seq order; the window moves past `seq`. */
  leftovers(seq: number): readonly EventRow[] {
    const upTo = Math.min(seq - this.base + 1, this.bodies.length);
    let out: EventRow[] | null = null;
    if (this.extras.length > 0) {
      out = this.extras;
      this.extras = [];
    }
    for (let k = this.head; k < upTo; k++) {
      const body = this.bodies[k];
      if (body !== undefined) (out ??= []).push({ seq: this.base + k, body });
    }
    if (upTo > this.head) {
      this.head = upTo;
      if (this.head >= COMPACT_AT) {
        this.bodies.splice(0, this.head);
        this.base += this.head;
        this.head = 0;
      }
    }
    return out === null ? NONE : out.sort((a, b) => a.seq - b.seq);
  }
}

const NONE: readonly EventRow[] = [];
/** Consumed slots kept before the window is shifted (one splice per this many events). */
const COMPACT_AT = 8192;

export async function replayMarket(
  pool: Pool,
  plan: MarketPlan,
  hooks: MarketHooks,
  opts: { reconstruct?: number } = {},
): Promise<MarketResult> {
  const { config } = plan.row;
  const market = config.symbol;
  const book = new BookReplayer(
    config,
    plan.start
      ? { snapshot: plan.start.snapshot, lastInputId: plan.start.lastInputId, hash: plan.start.hash }
      : undefined,
  );
  let liveReplayedHash: string | null = null;
  const checkLive = () => {
    if (!plan.live || liveReplayedHash !== null || book.seq < plan.live.seq) return;
    liveReplayedHash = book.seq === plan.live.seq ? book.stateHash() : `no state at seq ${plan.live.seq}`;
  };
  checkLive();

  const clients: PoolClient[] = [await pool.connect(), await pool.connect()];
  let clean = false;
  try {
    const events = new EventBuffer(
      new LineCursor(eventLines(clients[1]!, market, book.fromSeq, plan.end)),
      book.fromSeq,
    );
    const bal = plan.balances;
    for await (const lines of commandLines(clients[0]!, market, plan.start?.lastInputId ?? '', plan.end)) {
      if (hooks.signal?.aborted) throw new ReplayError('CANCELLED', 'the replay was cancelled', { market });
      const before = book.events;
      for (const line of lines) {
        const f = line.split('\t');
        const row = {
          inputId: f[0]!,
          firstSeq: Number(f[1]),
          lastSeq: Number(f[2]),
          commandText: copyField(f[3]!)!,
          lockRejected: copyField(f[4]!),
        };
        if (events.top < row.lastSeq) await events.fill(row.lastSeq);
        const value = commandValue(row);
        bal?.replayer.lock(market, row.inputId, value, row.lockRejected, row.firstSeq);
        const applied = book.apply(row, (seq) => events.take(seq), value);
        for (const extra of events.leftovers(book.seq)) book.extra(extra);
        if (bal && applied.events.length > 0 && applied.firstSeq <= bal.settleTo) {
          const settled =
            applied.lastSeq <= bal.settleTo ? applied.events : applied.events.filter((e) => e.seq <= bal.settleTo);
          bal.replayer.events(market, applied.commandId, settled);
        }
        checkLive();
      }
      bal?.replayer.flush(market);
      hooks.onEvents(book.events - before);
      await hooks.afterChunk?.();
    }
    // Read the event COPY to its end; what no command took is extra when the whole archive was asked for.
    await events.fill(Number.MAX_SAFE_INTEGER);
    const rest = events.leftovers(Number.MAX_SAFE_INTEGER);
    if (plan.toCheckpoint) {
      for (const extra of rest) book.extra(extra);
      if (book.seq !== plan.end) {
        book.diverge({ seq: book.seq, reason: 'CHECKPOINT', expected: plan.end, actual: book.seq });
      }
    }
    clean = true;
  } finally {
    // a COPY stopped early leaves its connection mid-protocol: discard it
    for (const c of clients) c.release(!clean);
  }

  if (plan.live && liveReplayedHash !== plan.live.hash) {
    book.diverge({
      seq: plan.live.seq,
      reason: 'STATE_HASH',
      expected: plan.live.hash,
      actual: liveReplayedHash ?? `replay ended at seq ${book.seq}`,
    });
  }
  const result: MarketResult = {
    market,
    seq: book.seq,
    fromSeq: book.fromSeq,
    commands: book.commands,
    events: book.events,
    replayedHash: book.stateHash(),
    liveHash: plan.live?.hash ?? null,
    liveSeq: plan.live?.seq ?? null,
    match: book.firstDivergence === null,
    firstDivergence: book.firstDivergence,
  };
  if (opts.reconstruct !== undefined) result.book = book.reconstruct(opts.reconstruct);
  return result;
}
