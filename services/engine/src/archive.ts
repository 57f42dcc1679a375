/**
 * The Postgres side: markets of the shard, and the archive (the system of record). One transaction
 * per batch writes the events (COPY), the commands with their seq ranges (COPY), the checkpoints, a
 * snapshot when one is due and the markets' status after a halt or resume.
 */
import {
  copyIn,
  copyText,
  MARKET_CONFIG_SELECT,
  marketConfigOf,
  type MarketConfigRow,
  type Pool,
  type PoolClient,
} from '@exchange/db';
import type { MarketConfig } from '@exchange/matching';
import type { AppliedCommand } from './shard';

export interface MarketRow {
  config: MarketConfig;
  status: 'trading' | 'halted';
}

export interface Checkpoint {
  lastSeq: number;
  lastInputId: string;
}

export interface SnapshotRow {
  seq: number;
  lastInputId: string;
  hash: string;
  /** The BookSnapshot as stored (jsonb: parsed). */
  snapshot: unknown;
}

/** What one batch archives for one market: COPY text lines, built as the commands were applied. */
export interface MarketBatchRecord {
  market: string;
  /** COPY text of `events` (UTF-8). */
  eventRows: Buffer;
  /** COPY text of `engine_commands` (UTF-8). */
  commandRows: Buffer;
  lastSeq: number;
  lastInputId: string;
  snapshot?: { seq: number; lastInputId: string; hash: string; text: string };
  /** Set when the batch halted or resumed the market: its status afterwards. */
  status?: 'trading' | 'halted';
}

export async function loadShardMarkets(pool: Pool, shard: string): Promise<MarketRow[]> {
  const { rows } = await pool.query<MarketConfigRow>(`${MARKET_CONFIG_SELECT} WHERE m.shard = $1 ORDER BY m.symbol`, [
    shard,
  ]);
  return rows.map((r) => ({ status: r.status, config: marketConfigOf(r) }));
}

export async function loadCheckpoint(pool: Pool, market: string): Promise<Checkpoint | null> {
  const { rows } = await pool.query<{ last_seq: string; last_input_id: string }>(
    'SELECT last_seq, last_input_id FROM engine_checkpoints WHERE market = $1',
    [market],
  );
  const r = rows[0];
  return r ? { lastSeq: Number(r.last_seq), lastInputId: r.last_input_id } : null;
}

export async function loadLatestSnapshot(pool: Pool, market: string): Promise<SnapshotRow | null> {
  const { rows } = await pool.query<{ seq: string; last_input_id: string; hash: string; snapshot: unknown }>(
    'SELECT seq, last_input_id, hash, snapshot FROM engine_snapshots WHERE market = $1 ORDER BY seq DESC LIMIT 1',
    [market],
  );
  const r = rows[0];
  return r ? { seq: Number(r.seq), lastInputId: r.last_input_id, hash: r.hash, snapshot: r.snapshot } : null;
}

export interface ArchivedCommand {
  inputId: string;
  inputMs: string;
  inputN: string;
  firstSeq: number;
  lastSeq: number;
  commandText: string;
  lockRejected: string | null;
}

/** Archived commands after the input (ms, n), in input order, at most `limit`. */
export async function commandsAfter(
  pool: Pool,
  market: string,
  after: { ms: string; n: string },
  limit: number,
): Promise<ArchivedCommand[]> {
  const { rows } = await pool.query<{
    input_id: string;
    input_ms: string;
    input_n: string;
    first_seq: string;
    last_seq: string;
    command: string;
    lock_rejected: string | null;
  }>(
    `SELECT input_id, input_ms, input_n, first_seq, last_seq, command::text AS command, lock_rejected
       FROM engine_commands WHERE market = $1 AND (input_ms, input_n) > ($2::bigint, $3::bigint)
      ORDER BY input_ms, input_n LIMIT $4`,
    [market, after.ms, after.n, limit],
  );
  return rows.map((r) => ({
    inputId: r.input_id,
    inputMs: r.input_ms,
    inputN: r.input_n,
    firstSeq: Number(r.first_seq),
    lastSeq: Number(r.last_seq),
    commandText: r.command,
    lockRejected: r.lock_rejected,
  }));
}

/** Archived event bodies (exact JSON text) with fromSeq <= seq <= toSeq, in seq order. */
export async function eventBodies(
  pool: Pool,
  market: string,
  fromSeq: number,
  toSeq: number,
): Promise<Array<{ seq: number; body: string }>> {
  const { rows } = await pool.query<{ seq: string; body: string }>(
    'SELECT seq, body::text AS body FROM events WHERE market = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq',
    [market, fromSeq, toSeq],
  );
  return rows.map((r) => ({ seq: Number(r.seq), body: r.body }));
}

export async function maxArchivedSeq(pool: Pool, market: string): Promise<number> {
  const { rows } = await pool.query<{ max: string | null }>('SELECT max(seq) AS max FROM events WHERE market = $1', [
    market,
  ]);
  return Number(rows[0]?.max ?? 0);
}

/** The COPY lines (events table) of one applied command's events. */
export function eventCopyLines(market: string, c: AppliedCommand): string {
  const commandId = copyText(c.commandId);
  let out = '';
  for (let k = 0; k < c.events.length; k++) {
    const e = c.events[k]!;
    const body = c.bodies[k]!;
    // event JSON has no raw control characters; only a backslash needs escaping for COPY
    out += `${market}\t${e.seq}\t${commandId}\t${e.ts}\t${e.type}\t${body.includes('\\') ? copyText(body) : body}\n`;
  }
  return out;
}

/** The COPY line (engine_commands table) of one applied command. */
export function commandCopyLine(market: string, c: AppliedCommand): string {
  const rejected = c.lockRejected === null ? '\\N' : copyText(c.lockRejected);
  return `${market}\t${c.input.id}\t${c.input.ms}\t${c.input.n}\t${c.firstSeq}\t${c.lastSeq}\t${copyText(c.commandText)}\t${rejected}\n`;
}

/**
 * One batch's archive transaction in two steps, so that several can overlap: `open` does the bulk
 * work (BEGIN, COPY of events and commands) and may run beside other batches' transactions; `commit`
 * writes the checkpoints (and snapshot and status) and COMMITs — the caller calls it only after the
 * previous batch's commit returned, so the archive only ever grows by whole batches, in order.
 */
export class ArchiveTx {
  private constructor(
    private readonly client: PoolClient,
    private readonly batches: MarketBatchRecord[],
  ) {}

  static async open(pool: Pool, batches: MarketBatchRecord[]): Promise<ArchiveTx> {
    const events = batches.map((b) => b.eventRows);
    const commands = batches.map((b) => b.commandRows);
    const client = await pool.connect();
    const tx = new ArchiveTx(client, batches);
    try {
      await client.query('BEGIN');
      if (events.some((b) => b.length > 0)) {
        await copyIn(client, 'COPY events (market, seq, command_id, ts, type, body) FROM STDIN', ...events);
      }
      if (commands.some((b) => b.length > 0)) {
        await copyIn(
          client,
          'COPY engine_commands (market, input_id, input_ms, input_n, first_seq, last_seq, command, lock_rejected) FROM STDIN',
          ...commands,
        );
      }
    } catch (err) {
      await tx.rollback();
      throw err;
    }
    return tx;
  }

  async commit(snapshotKeep: number): Promise<void> {
    const { client, batches } = this;
    try {
      await client.query(
        `INSERT INTO engine_checkpoints (market, last_seq, last_input_id, updated_at)
         SELECT *, now() FROM unnest($1::text[], $2::bigint[], $3::text[])
         ON CONFLICT (market) DO UPDATE SET last_seq = EXCLUDED.last_seq, last_input_id = EXCLUDED.last_input_id,
           updated_at = EXCLUDED.updated_at`,
        [batches.map((b) => b.market), batches.map((b) => b.lastSeq), batches.map((b) => b.lastInputId)],
      );
      for (const b of batches) {
        if (b.status) await client.query('UPDATE markets SET status = $2 WHERE symbol = $1', [b.market, b.status]);
        if (b.snapshot) await insertSnapshot(client, b.market, b.snapshot, snapshotKeep);
      }
      await client.query('COMMIT');
    } catch (err) {
      await this.rollback();
      throw err;
    }
    client.release();
  }

  /** Rolls back and discards the connection (it may be what failed). */
  async rollback(): Promise<void> {
    await this.client.query('ROLLBACK').catch(() => undefined);
    this.client.release(true);
  }
}

/** A market's applied commands of one batch, before they are turned into COPY lines. */
export interface AppliedBatch {
  market: string;
  commands: AppliedCommand[];
  lastSeq: number;
  lastInputId: string;
  snapshot?: MarketBatchRecord['snapshot'];
  status?: MarketBatchRecord['status'];
}

export function recordOf(b: AppliedBatch): MarketBatchRecord {
  const { market, commands, lastSeq, lastInputId, snapshot, status } = b;
  return {
    market,
    eventRows: Buffer.from(commands.map((c) => eventCopyLines(market, c)).join('')),
    commandRows: Buffer.from(commands.map((c) => commandCopyLine(market, c)).join('')),
    lastSeq,
    lastInputId,
    snapshot,
    status,
  };
}

/** Archives one batch atomically (both steps at once), as the engine does. Throws on any failure. */
export async function commitBatch(pool: Pool, batches: AppliedBatch[], snapshotKeep: number): Promise<void> {
  const tx = await ArchiveTx.open(pool, batches.map(recordOf));
  await tx.commit(snapshotKeep);
}

async function insertSnapshot(
  client: PoolClient,
  market: string,
  s: { seq: number; lastInputId: string; hash: string; text: string },
  keep: number,
): Promise<void> {
  await client.query(
    `INSERT INTO engine_snapshots (market, seq, last_input_id, hash, snapshot) VALUES ($1, $2, $3, $4, $5::jsonb)
     ON CONFLICT (market, seq) DO NOTHING`,
    [market, s.seq, s.lastInputId, s.hash, s.text],
  );
  await client.query(
    `DELETE FROM engine_snapshots WHERE market = $1 AND seq < (
       SELECT seq FROM engine_snapshots WHERE market = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
    [market, keep - 1],
  );
}
