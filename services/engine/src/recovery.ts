/**
 * Start-up recovery of one market: the newest snapshot, then every archived command after it
 * re-applied through the book. The book is deterministic, so this must regenerate the archived
 * events byte for byte and land exactly on the checkpoint; anything else stops the engine
 * (RECOVERY_MISMATCH) rather than let it emit a seq twice with different content.
 */
import type { Pool } from '@exchange/db';
import type { BookSnapshot } from '@exchange/orderbook';
import { keys } from '@exchange/protocol';
import type { Logger, Redis } from '@exchange/service-kit';
import {
  commandsAfter,
  eventBodies,
  loadCheckpoint,
  loadLatestSnapshot,
  maxArchivedSeq,
  type MarketRow,
} from './archive';
import { parseStreamId } from './codec';
import { EngineError } from './errors';
import type { Publisher } from './publisher';
import { MarketState, NO_INPUT } from './shard';

const PAGE = 5_000;

export interface RecoveredMarket {
  state: MarketState;
  /** Seq and input id of the snapshot recovery started from (null: from scratch). */
  snapshot: { seq: number; lastInputId: string } | null;
  /** Commands re-applied after the snapshot. */
  replayed: number;
  /** The market has no history at all. */
  fresh: boolean;
}

export async function recoverMarket(pool: Pool, row: MarketRow): Promise<RecoveredMarket> {
  const symbol = row.config.symbol;
  const mismatch = (message: string, details: Record<string, unknown> = {}) =>
    new EngineError('RECOVERY_MISMATCH', `${symbol}: ${message}`, { market: symbol, ...details });
  const checkpoint = await loadCheckpoint(pool, symbol);
  const snap = await loadLatestSnapshot(pool, symbol);
  let state: MarketState;
  let after: { ms: string; n: string };
  if (snap) {
    state = new MarketState(row.config, snap.snapshot as BookSnapshot, snap.lastInputId);
    const hash = state.mb.book.stateHash();
    if (hash !== snap.hash) {
      throw new EngineError('SNAPSHOT_CORRUPT', `${symbol}: snapshot at seq ${snap.seq} hashes to ${hash}`, {
        market: symbol,
        seq: snap.seq,
        expected: snap.hash,
      });
    }
    if (state.seq !== snap.seq) throw mismatch(`snapshot row seq ${snap.seq} but book seq ${state.seq}`);
    const id = parseStreamId(snap.lastInputId);
    if (!id) throw mismatch(`snapshot has a malformed last input id ${snap.lastInputId}`);
    after = id;
  } else {
    state = new MarketState(row.config);
    after = { ms: '-1', n: '0' }; // before NO_INPUT: a synthetic command at 0-0 is replayed too
  }

  let replayed = 0;
  for (;;) {
    const page = await commandsAfter(pool, symbol, after, PAGE);
    if (page.length === 0) break;
    const first = page[0]!.firstSeq;
    const last = page[page.length - 1]!.lastSeq;
    const archived = last >= first ? await eventBodies(pool, symbol, first, last) : [];
    let k = 0;
    for (const cmd of page) {
      if (cmd.firstSeq !== state.seq + 1) {
        throw mismatch(`command ${cmd.inputId} starts at seq ${cmd.firstSeq}, book is at ${state.seq}`);
      }
      const input = parseStreamId(cmd.inputId);
      if (!input) throw mismatch(`malformed archived input id ${cmd.inputId}`);
      let value: unknown;
      try {
        value = JSON.parse(cmd.commandText);
      } catch (err) {
        throw mismatch(`archived command ${cmd.inputId} is not JSON`, { cause: (err as Error).message });
      }
      const applied = state.applyValue(input, value, cmd.commandText, cmd.lockRejected);
      if (applied.lastSeq !== cmd.lastSeq) {
        throw mismatch(`command ${cmd.inputId} regenerated seqs ..${applied.lastSeq}, archive has ..${cmd.lastSeq}`);
      }
      for (const body of applied.bodies) {
        const stored = archived[k++];
        if (!stored || stored.body !== body) {
          throw mismatch(`regenerated event differs from the archive`, {
            input: cmd.inputId,
            seq: stored?.seq,
            archived: stored?.body,
            regenerated: body,
          });
        }
      }
      replayed++;
    }
    if (k !== archived.length) throw mismatch(`archive holds events no command accounts for near seq ${first}`);
    const end = page[page.length - 1]!;
    after = { ms: end.inputMs, n: end.inputN };
  }

  const expectSeq = checkpoint?.lastSeq ?? 0;
  const expectInput = checkpoint?.lastInputId ?? NO_INPUT;
  if (state.seq !== expectSeq || (checkpoint && state.lastInputId !== expectInput)) {
    throw mismatch(
      `recovered to seq ${state.seq} / input ${state.lastInputId}, checkpoint says ${expectSeq} / ${expectInput}`,
    );
  }
  const maxSeq = await maxArchivedSeq(pool, symbol);
  if (maxSeq !== state.seq) throw mismatch(`archive holds events up to ${maxSeq}, commands account for ${state.seq}`);
  return {
    state,
    snapshot: snap ? { seq: snap.seq, lastInputId: snap.lastInputId } : null,
    replayed,
    fresh: !checkpoint && !snap,
  };
}

/** The seq of the newest entry ever appended to events:{market} (0 if none or no stream). */
export async function lastPublishedSeq(redis: Redis, market: string): Promise<number> {
  let info: unknown[];
  try {
    info = (await redis.call('XINFO', 'STREAM', keys.eventStream(market))) as unknown[];
  } catch (err) {
    if (err instanceof Error && err.message.includes('no such key')) return 0;
    throw err;
  }
  const k = info.indexOf('last-generated-id');
  const id = k >= 0 ? String(info[k + 1]) : '0-0';
  return Number(id.split('-')[0]);
}

/**
 * Appends the archived events the Redis stream is missing (a crash between commit and publish, or a
 * Redis that lost its data), at most the newest `retain` of them.
 */
export async function republishMissing(
  pool: Pool,
  redis: Redis,
  publisher: Publisher,
  market: string,
  lastSeq: number,
  retain: number,
  log: Logger,
): Promise<number> {
  const published = await lastPublishedSeq(redis, market);
  if (published >= lastSeq) return 0;
  let from = Math.max(published + 1, lastSeq - retain + 1, 1);
  let added = 0;
  while (from <= lastSeq) {
    const to = Math.min(from + PAGE - 1, lastSeq);
    added += await publisher.republish(market, await eventBodies(pool, market, from, to));
    from = to + 1;
  }
  log.info({ market, published, lastSeq, added }, 'republished archived events missing from the stream');
  return added;
}
