/**
 * The replay's Postgres reads: markets, end points, snapshots, the command log and the event log
 * (streamed by COPY), and what the balance side needs (transfers, amend locks, checkpoints, the
 * recorded ledger, live balances). Reads only; nothing here writes.
 */
import type { Pool, PoolClient } from '@exchange/db';
import { loadShardMarkets, type MarketRow } from '@exchange/engine';
import type { BookSnapshot } from '@exchange/orderbook';
import type { Posting } from '@exchange/ledger';
import type { AmendLockRow, BalanceLine, TransferRow } from './balance-replay';
import { copyField, copyLines, sqlLiteral } from './copy-lines';
import { ReplayError } from './errors';
import type { Until } from './types';

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/** The markets of a request, in request order; an unknown symbol is an error. */
export async function loadMarkets(pool: Pool, symbols: readonly string[]): Promise<MarketRow[]> {
  const { rows } = await pool.query<{ shard: string }>('SELECT DISTINCT shard FROM markets WHERE symbol = ANY($1)', [
    symbols,
  ]);
  const all = new Map<string, MarketRow>();
  for (const r of rows) for (const m of await loadShardMarkets(pool, r.shard)) all.set(m.config.symbol, m);
  return symbols.map((s) => {
    const m = all.get(s);
    if (!m) throw new ReplayError('UNKNOWN_MARKET', `no market ${s}`, { market: s });
    return m;
  });
}

/** The engine's checkpoint seq of a market (0 when it has none). */
export async function checkpointSeq(db: Queryable, market: string): Promise<number> {
  const { rows } = await db.query<{ last_seq: string }>('SELECT last_seq FROM engine_checkpoints WHERE market = $1', [
    market,
  ]);
  return rows[0] ? Number(rows[0].last_seq) : 0;
}

/** The last seq at or below the end point: a seq is capped at the checkpoint, a time is the last event with ts <= it. */
export async function endSeq(db: Queryable, market: string, until: Until | undefined): Promise<number> {
  const top = await checkpointSeq(db, market);
  if (!until) return top;
  if ('seq' in until) return Math.min(until.seq, top);
  const { rows } = await db.query<{ seq: string | null }>(
    'SELECT max(seq) AS seq FROM events WHERE market = $1 AND ts <= $2 AND seq <= $3',
    [market, Date.parse(until.time), top],
  );
  return Number(rows[0]?.seq ?? 0);
}

export interface SnapshotRow {
  seq: number;
  lastInputId: string;
  hash: string;
  snapshot: BookSnapshot;
}

/** The engine's newest snapshot of a market at or below `seq`. */
export async function snapshotAtOrBelow(db: Queryable, market: string, seq: number): Promise<SnapshotRow | null> {
  const { rows } = await db.query<{ seq: string; last_input_id: string; hash: string; snapshot: BookSnapshot }>(
    `SELECT seq, last_input_id, hash, snapshot FROM engine_snapshots WHERE market = $1 AND seq <= $2
      ORDER BY seq DESC LIMIT 1`,
    [market, seq],
  );
  const r = rows[0];
  return r ? { seq: Number(r.seq), lastInputId: r.last_input_id, hash: r.hash, snapshot: r.snapshot } : null;
}

/** COPY of the command log after an input id, up to the commands whose events end at or below `toSeq`. */
export function commandLines(client: PoolClient, market: string, afterInput: string, toSeq: number) {
  const [ms, n] = afterInput === '' ? ['-1', '0'] : afterInput.split('-');
  return copyLines(
    client,
    `COPY (SELECT input_id, first_seq, last_seq, command, lock_rejected FROM engine_commands
            WHERE market = ${sqlLiteral(market)} AND last_seq <= ${sqlLiteral(toSeq)}
              AND (input_ms, input_n) > (${sqlLiteral(Number(ms))}, ${sqlLiteral(Number(n))})
            ORDER BY input_ms, input_n) TO STDOUT`,
  );
}

/** COPY of the event log, fromSeq < seq <= toSeq: `seq \t body` lines. */
export function eventLines(client: PoolClient, market: string, fromSeq: number, toSeq: number) {
  return copyLines(
    client,
    `COPY (SELECT seq, body FROM events WHERE market = ${sqlLiteral(market)}
            AND seq > ${sqlLiteral(fromSeq)} AND seq <= ${sqlLiteral(toSeq)} ORDER BY seq) TO STDOUT`,
  );
}

/** Markets the balance manager locks for (it has a lock checkpoint), with their settlement checkpoint. */
export async function balanceMarkets(db: Queryable, symbols: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ market: string; last_seq: string | null }>(
    `SELECT l.market, s.last_seq FROM lock_checkpoints l LEFT JOIN settlement_checkpoints s USING (market)
      WHERE l.market = ANY($1)`,
    [symbols],
  );
  return new Map(rows.map((r) => [r.market, Number(r.last_seq ?? 0)]));
}

export async function loadAmendLocks(db: Queryable, market: string): Promise<AmendLockRow[]> {
  const { rows } = await db.query<{
    command_id: string;
    input_id: string;
    order_id: string;
    account: string;
    asset: string;
    amount: string;
  }>('SELECT command_id, input_id, order_id, account, asset, amount::text FROM amend_locks WHERE market = $1', [
    market,
  ]);
  return rows.map((r) => ({
    commandId: r.command_id,
    inputId: r.input_id,
    orderId: Number(r.order_id),
    account: Number(r.account),
    asset: r.asset,
    amount: BigInt(r.amount),
  }));
}

/** Transfers up to a time (all without one), in the order they were made. */
export async function loadTransfers(db: Queryable, until: Until | undefined): Promise<TransferRow[]> {
  const time = until && 'time' in until ? until.time : null;
  const { rows } = await db.query<{
    id: string;
    kind: 'deposit' | 'withdrawal';
    account: string;
    asset: string;
    amount: string;
  }>(
    `SELECT id, kind, account, asset, amount::text FROM transfers
      WHERE $1::timestamptz IS NULL OR created_at <= $1::timestamptz ORDER BY created_at, id`,
    [time],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    account: Number(r.account),
    asset: r.asset,
    amount: BigInt(r.amount),
  }));
}

/** The recorded ledger entries of causes with one of the prefixes, merged per cause. */
export async function recordedCauses(client: PoolClient, prefixes: readonly string[]): Promise<Map<string, Posting[]>> {
  const out = new Map<string, Posting[]>();
  if (prefixes.length === 0) return out;
  const where = prefixes.map((p) => `cause LIKE ${sqlLiteral(`${p.replace(/[\\%_]/g, '\\$&')}%`)}`).join(' OR ');
  for await (const lines of copyLines(
    client,
    `COPY (SELECT cause, account, asset, bucket, amount FROM ledger_entries WHERE ${where}) TO STDOUT`,
  )) {
    for (const line of lines) {
      const [cause, account, asset, bucket, amount] = line.split('\t');
      const c = copyField(cause!)!;
      let list = out.get(c);
      if (!list) out.set(c, (list = []));
      list.push({
        account: Number(account),
        asset: asset!,
        bucket: bucket as Posting['bucket'],
        amount: BigInt(amount!),
      });
    }
  }
  return out;
}

/** Does the ledger hold causes outside the given prefixes (then the balances table is not comparable)? */
export async function ledgerHasOtherCauses(db: Queryable, prefixes: readonly string[]): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ledger_causes WHERE NOT (cause LIKE ANY($1))) AS found`,
    [prefixes.map((p) => `${p.replace(/[\\%_]/g, '\\$&')}%`)],
  );
  return rows[0]!.found;
}

/** The live balances table (user and fee accounts). */
export async function liveBalances(db: Queryable): Promise<BalanceLine[]> {
  const { rows } = await db.query<{ account: string; asset: string; available: string; locked: string }>(
    'SELECT account, asset, available::text, locked::text FROM balances',
  );
  return rows.map((r) => ({
    account: Number(r.account),
    asset: r.asset,
    available: BigInt(r.available),
    locked: BigInt(r.locked),
  }));
}
