/**
 * Settlement of one batch of archived events, in seq order from the market's checkpoint: trades
 * move money between the two orders' accounts and charge fees, `done` and a rejected place release
 * what is still held, `amended` keeps what the new terms can cost, a rejected amend releases its
 * extra. Split in three so that the loop can overlap them across batches (ADR 0033):
 * - readBatch: the events after a seq, the order locks and pending amends they touch;
 * - computeBatch: pure, the ledger rules (packages/ledger) over those states;
 * - writeBatch: one transaction with the checkpoint, which must still be where the batch started.
 * Each cause is recorded once (ledger_causes), so applying an event twice fails instead of counting twice.
 */
import { pgArray, pgTextArray, preferKeyLookups, withTransaction, type Pool, type PoolClient } from '@exchange/db';
import {
  releasePostings,
  settleAmended,
  settleRelease,
  settleTrade,
  type OrderLock,
  type Posting,
} from '@exchange/ledger';
import type { BookEventOf } from '@exchange/orderbook';
import { BalanceError } from '../errors';
import { addEntries, applyPostings, causes, insertEntries, type BalanceRow, type LedgerEntry } from '../ledger-sql';
import type { MarketContext } from '../markets';
import { int, ORDER_LOCK_COLUMNS, toOrderLock, type OrderLockRow } from '../rows';
import { FEE_ACCOUNT_ID } from '../system-accounts';

/** The event types settlement acts on; the others move no money. */
export const SETTLED_TYPES = ['trade', 'done', 'rejected', 'amended'] as const;

type SettledEvent = BookEventOf<'trade'> | BookEventOf<'done'> | BookEventOf<'rejected'> | BookEventOf<'amended'>;

interface EventRow {
  seq: string;
  command_id: string;
  body: SettledEvent;
}

interface AmendLock {
  orderId: number;
  account: number;
  asset: string;
  amount: bigint;
}

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

export interface BatchInput {
  market: string;
  /** The checkpoint the batch starts after. */
  from: number;
  /** The archive's last seq, read before the events (so every event up to it is among them or beyond the limit). */
  visible: number;
  limit: number;
  events: EventRow[];
  locks: Map<number, OrderLock>;
  amendLocks: Map<string, AmendLock>;
}

export interface BatchPlan {
  market: string;
  from: number;
  lastSeq: number;
  events: number;
  trades: number;
  entries: LedgerEntry[];
  postings: Posting[];
  /** New states of the orders the batch changed. */
  changed: OrderLock[];
  amendStatus: Map<string, 'applied' | 'released'>;
}

export interface SettleBatchResult {
  /** Events read and applied (of the settled types). */
  events: number;
  trades: number;
  /** The checkpoint after the batch. */
  lastSeq: number;
  balances: BalanceRow[];
}

export interface SettleOptions {
  limit: number;
  feeAccount?: number;
}

/** The whole batch in one transaction, from the stored checkpoint (locked first: settlers of a market take turns). */
export function settleBatch(pool: Pool, ctx: MarketContext, opts: SettleOptions): Promise<SettleBatchResult> {
  return withTransaction(pool, (client) => settleInTransaction(client, ctx, opts));
}

export async function settleInTransaction(
  client: PoolClient,
  ctx: MarketContext,
  opts: SettleOptions,
): Promise<SettleBatchResult> {
  await preferKeyLookups(client);
  const from = await lockCheckpoint(client, ctx.symbol);
  const input = await readBatch(client, ctx.symbol, from, opts.limit);
  const plan = computeBatch(ctx, input, opts.feeAccount);
  return writePlan(client, plan);
}

/** Creates the market's checkpoint row if needed, locks it, returns its seq. */
export async function lockCheckpoint(client: PoolClient, market: string): Promise<number> {
  await client.query('INSERT INTO settlement_checkpoints (market, last_seq) VALUES ($1, 0) ON CONFLICT DO NOTHING', [
    market,
  ]);
  const cp = await client.query<{ last_seq: string }>(
    'SELECT last_seq FROM settlement_checkpoints WHERE market = $1 FOR UPDATE',
    [market],
  );
  return int(cp.rows[0]!.last_seq);
}

export async function readCheckpoint(db: Queryable, market: string): Promise<number> {
  const { rows } = await db.query<{ last_seq: string }>(
    'SELECT last_seq FROM settlement_checkpoints WHERE market = $1',
    [market],
  );
  return rows[0] ? int(rows[0].last_seq) : 0;
}

/**
 * The events after `from` and the states they start from. `cached` holds states settlement itself
 * produced (possibly not yet committed): they win over the table, which only the lock stage's
 * inserts and settlement's own writes change.
 */
export async function readBatch(
  db: Queryable,
  market: string,
  from: number,
  limit: number,
  cached?: ReadonlyMap<number, OrderLock>,
): Promise<BatchInput> {
  // Read first, so that the events query below (a later snapshot) sees every event up to it: the
  // engine commits a market's events in seq order, so what is visible is always a prefix.
  const top = await db.query<{ max: string | null }>('SELECT max(seq) AS max FROM events WHERE market = $1', [market]);
  const visible = top.rows[0]!.max === null ? 0 : int(top.rows[0]!.max);
  const { rows: events } = await db.query<EventRow>(
    `SELECT seq, command_id, body FROM events
      WHERE market = $1 AND seq > $2 AND type = ANY($3::text[])
      ORDER BY seq LIMIT $4`,
    [market, from, SETTLED_TYPES, limit],
  );
  const input: BatchInput = { market, from, visible, limit, events, locks: new Map(), amendLocks: new Map() };
  if (events.length === 0) return input;

  const orderIds = new Set<number>();
  const amendCommands: string[] = [];
  for (const { body: e, command_id } of events) {
    if (e.type === 'trade') {
      orderIds.add(e.makerOrderId);
      orderIds.add(e.takerOrderId);
    } else if (e.type === 'rejected') {
      if (e.command === 'place' && e.orderId !== undefined) orderIds.add(e.orderId);
      else if (e.command === 'amend') amendCommands.push(command_id);
    } else {
      orderIds.add(e.orderId);
      if (e.type === 'amended') amendCommands.push(command_id);
    }
  }
  const missing: number[] = [];
  for (const id of orderIds) {
    const c = cached?.get(id);
    if (c) input.locks.set(id, c);
    else missing.push(id);
  }
  if (missing.length > 0) {
    // one index probe per id whatever the planner thinks of thousands of them (see preferKeyLookups)
    const { rows } = await db.query<OrderLockRow>(
      `SELECT o.* FROM unnest($2::int8[]) AS k(order_id)
         CROSS JOIN LATERAL (SELECT ${ORDER_LOCK_COLUMNS} FROM order_locks
                              WHERE market = $1 AND order_id = k.order_id LIMIT 1) AS o`,
      [market, pgArray(missing)],
    );
    for (const r of rows) input.locks.set(int(r.order_id), toOrderLock(r));
  }
  if (amendCommands.length > 0) {
    // An amend command has one outcome event, so a pending row here is never one an earlier,
    // still uncommitted batch of ours has settled.
    const { rows } = await db.query<{
      command_id: string;
      order_id: string;
      account: string;
      asset: string;
      amount: string;
    }>(
      `SELECT command_id, order_id, account, asset, amount FROM amend_locks
        WHERE market = $1 AND status = 'pending' AND command_id = ANY($2)`,
      [market, pgTextArray(amendCommands)],
    );
    for (const r of rows) {
      input.amendLocks.set(r.command_id, {
        orderId: int(r.order_id),
        account: int(r.account),
        asset: r.asset,
        amount: BigInt(r.amount),
      });
    }
  }
  return input;
}

/** The ledger rules over one batch. Pure: the input's states are not modified. */
export function computeBatch(ctx: MarketContext, input: BatchInput, feeAccount = FEE_ACCOUNT_ID): BatchPlan {
  const { market, events } = input;
  const lastRead = events.length > 0 ? int(events[events.length - 1]!.seq) : input.from;
  const plan: BatchPlan = {
    market,
    from: input.from,
    // a short batch has seen everything up to `visible`: move past the events that move no money
    lastSeq: events.length < input.limit ? Math.max(lastRead, input.visible, input.from) : lastRead,
    events: events.length,
    trades: 0,
    entries: [],
    postings: [],
    changed: [],
    amendStatus: new Map(),
  };
  const locks = new Map(input.locks);
  const dirty = new Set<number>();
  const need = (orderId: number, seq: number): OrderLock => {
    const l = locks.get(orderId);
    if (!l)
      throw new BalanceError(
        'MISSING_ORDER_LOCK',
        `event ${market}:${seq} refers to order ${orderId}, which has no lock`,
        { market, seq, orderId },
      );
    return l;
  };
  const post = (seq: number, ps: Posting[]) => {
    if (ps.length === 0) return;
    addEntries(plan.entries, causes.event(market, seq), ps);
    for (const p of ps) plan.postings.push(p);
  };
  const set = (l: OrderLock) => {
    locks.set(l.orderId, l);
    dirty.add(l.orderId);
  };

  for (const { seq: seqText, command_id: commandId, body: e } of events) {
    const seq = int(seqText);
    switch (e.type) {
      case 'trade': {
        const buyId = e.aggressor === 'buy' ? e.takerOrderId : e.makerOrderId;
        const sellId = e.aggressor === 'buy' ? e.makerOrderId : e.takerOrderId;
        const r = settleTrade(ctx.market, e, need(buyId, seq), need(sellId, seq), feeAccount);
        set(r.buy);
        set(r.sell);
        post(seq, r.postings);
        plan.trades++;
        break;
      }
      case 'done': {
        const r = settleRelease(need(e.orderId, seq));
        set(r.lock);
        post(seq, r.postings);
        break;
      }
      case 'rejected': {
        if (e.command === 'place' && e.orderId !== undefined) {
          const l = locks.get(e.orderId);
          // Only the lock taken for this very command: a duplicate order id must not free the original's.
          if (!l || l.closed || l.commandId !== commandId) break;
          const r = settleRelease(l);
          set(r.lock);
          post(seq, r.postings);
        } else if (e.command === 'amend') {
          const a = input.amendLocks.get(commandId);
          if (!a || plan.amendStatus.has(commandId)) break;
          plan.amendStatus.set(commandId, 'released');
          post(seq, releasePostings(a.account, a.asset, a.amount));
        }
        break;
      }
      case 'amended': {
        const a = input.amendLocks.get(commandId);
        let extra = 0n;
        if (a && !plan.amendStatus.has(commandId)) {
          if (a.orderId === e.orderId) {
            extra = a.amount;
            plan.amendStatus.set(commandId, 'applied');
          } else {
            // The lock stage resolved a client order id to another order than the engine did: its
            // extra goes back, and the amended order must be covered by what it holds (or this throws).
            plan.amendStatus.set(commandId, 'released');
            post(seq, releasePostings(a.account, a.asset, a.amount));
          }
        }
        const r = settleAmended(ctx.market, need(e.orderId, seq), extra, e.price, e.qty);
        set(r.lock);
        post(seq, r.postings);
        break;
      }
    }
  }
  for (const id of dirty) plan.changed.push(locks.get(id)!);
  return plan;
}

/** Writes a computed batch; the caller's transaction must hold the checkpoint lock at `plan.from`. */
export async function writePlan(client: PoolClient, plan: BatchPlan): Promise<SettleBatchResult> {
  await insertEntries(client, plan.entries);
  return writeStates(client, plan);
}

/** Everything of a plan but its ledger rows: balances, order locks, amend locks, the checkpoint. */
async function writeStates(client: PoolClient, plan: BatchPlan): Promise<SettleBatchResult> {
  const balances = await applyPostings(client, plan.postings);
  await updateOrderLocks(client, plan.market, plan.changed);
  if (plan.amendStatus.size > 0) {
    await client.query(
      `UPDATE amend_locks a SET status = s.status FROM unnest($2::text[], $3::text[]) AS s(command_id, status)
        WHERE a.market = $1 AND a.command_id = s.command_id`,
      [plan.market, pgTextArray([...plan.amendStatus.keys()]), pgTextArray([...plan.amendStatus.values()])],
    );
  }
  if (plan.lastSeq !== plan.from) {
    await client.query('UPDATE settlement_checkpoints SET last_seq = $2, updated_at = now() WHERE market = $1', [
      plan.market,
      plan.lastSeq,
    ]);
  }
  return { events: plan.events, trades: plan.trades, lastSeq: plan.lastSeq, balances };
}

/** Thrown when a plan's starting point is no longer the stored checkpoint (another settler moved it). */
export class StalePlanError extends Error {
  readonly code = 'STALE_SETTLEMENT_PLAN';
}

export interface PlanCommit {
  /** Settles once the transaction holds the checkpoint lock, or has failed before taking it. */
  locked: Promise<void>;
  result: Promise<SettleBatchResult>;
}

/**
 * A plan computed outside the transaction: written only if the checkpoint is still where it started.
 * Its ledger rows go in first, before the checkpoint lock: they conflict with nobody (a cause
 * recorded twice fails on its key), so they can be written while the batch before still commits.
 * `after` is that batch's `locked`: taking the lock behind it makes this one wait for its commit
 * (and see its checkpoint) instead of overtaking it.
 */
export function commitPlan(pool: Pool, plan: BatchPlan, after: Promise<void> = Promise.resolve()): PlanCommit {
  let signal!: () => void;
  const locked = new Promise<void>((resolve) => (signal = resolve));
  const stale = (at: number, cause?: unknown) =>
    new StalePlanError(`settlement checkpoint of ${plan.market} is at ${at}, the batch starts at ${plan.from}`, {
      cause,
    });
  const result = withTransaction(pool, async (client) => {
    // Wait for the batch before to hold the checkpoint lock before taking any lock ourselves: a wait
    // here while holding locks (our causes) would be invisible to Postgres's deadlock detector.
    await after;
    await preferKeyLookups(client);
    await insertEntries(client, plan.entries);
    const at = await lockCheckpoint(client, plan.market);
    signal();
    if (at !== plan.from) throw stale(at);
    return writeStates(client, plan);
  }).catch(async (err: unknown) => {
    // Another settler recorded these causes first: our plan is stale, the rollback applied nothing.
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
      const at = await readCheckpoint(pool, plan.market);
      if (at !== plan.from) throw stale(at, err);
    }
    throw err;
  });
  void result.finally(signal).catch(() => undefined);
  return { locked, result };
}

const UNIQUE_VIOLATION = '23505';

async function updateOrderLocks(client: PoolClient, market: string, locks: readonly OrderLock[]): Promise<void> {
  if (locks.length === 0) return;
  const ids = locks.map((l) => l.orderId);
  await client.query(
    `UPDATE order_locks o
        SET price = u.price, qty = u.qty, filled = u.filled, locked = u.locked, notional = u.notional,
            fee_weight = u.fee_weight, fees = u.fees, closed = u.closed
       FROM unnest($2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::bool[])
            AS u(order_id, price, qty, filled, locked, notional, fee_weight, fees, closed)
      WHERE o.market = $1 AND o.order_id = u.order_id`,
    [
      market,
      pgArray(ids),
      pgArray(locks.map((l) => l.price)),
      pgArray(locks.map((l) => l.qty)),
      pgArray(locks.map((l) => l.filled)),
      pgArray(locks.map((l) => l.locked)),
      pgArray(locks.map((l) => l.notional)),
      pgArray(locks.map((l) => l.feeWeight)),
      pgArray(locks.map((l) => l.fees)),
      pgArray(locks.map((l) => l.closed)),
    ],
  );
}
