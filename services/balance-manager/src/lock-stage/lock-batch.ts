/**
 * The lock stage's transaction for one batch of cmd:{market} entries: decide, in stream order,
 * which commands get their funds locked and which are refused, write the locks set-based, and store
 * the stream position — all in one Postgres transaction (ADR 0003, ADR 0031).
 */
import { pgArray, pgTextArray, preferKeyLookups, withTransaction, type Pool, type PoolClient } from '@exchange/db';
import {
  amendExtraLock,
  lockForPlace,
  lockPostings,
  type AmendTarget,
  type LockDecision,
  type OrderLock,
  type Posting,
} from '@exchange/ledger';
import { compareStreamIds, type AmendCommand, type LockRejectReason, type PlaceCommand } from '@exchange/protocol';
import { addEntries, applyPostings, causes, insertEntries, type BalanceRow, type LedgerEntry } from '../ledger-sql';
import type { MarketContext } from '../markets';
import { int, intOrNull, ORDER_LOCK_COLUMNS, toOrderLock, type OrderLockRow } from '../rows';
import type { CommandEntry, Forward } from './entries';

export interface LockBatchResult {
  /** One per entry, in stream order. */
  forwards: Forward[];
  /** New values of the balances this batch changed. */
  balances: BalanceRow[];
  locked: number;
  refused: number;
  /** Entries at or below the checkpoint: their locks were committed before; only forwarded again. */
  reforwarded: number;
}

type KnownLock = OrderLock & { clientOrderId: string | null };

interface NewOrderLock {
  lock: KnownLock;
  inputId: string;
}

interface NewAmendLock {
  commandId: string;
  inputId: string;
  lock: KnownLock;
  amount: bigint;
  target: AmendTarget;
}

const key = (account: number, asset: string) => `${account}\u0000${asset}`;

export function lockBatch(pool: Pool, ctx: MarketContext, entries: readonly CommandEntry[]): Promise<LockBatchResult> {
  return withTransaction(pool, (client) => lockInTransaction(client, ctx, entries));
}

export async function lockInTransaction(
  client: PoolClient,
  ctx: MarketContext,
  entries: readonly CommandEntry[],
): Promise<LockBatchResult> {
  const market = ctx.symbol;
  const result: LockBatchResult = { forwards: [], balances: [], locked: 0, refused: 0, reforwarded: 0 };
  if (entries.length === 0) return result;
  await preferKeyLookups(client);

  await client.query(`INSERT INTO lock_checkpoints (market, last_input_id) VALUES ($1, '0-0') ON CONFLICT DO NOTHING`, [
    market,
  ]);
  const cp = await client.query<{ last_input_id: string }>(
    'SELECT last_input_id FROM lock_checkpoints WHERE market = $1 FOR UPDATE',
    [market],
  );
  const checkpoint = cp.rows[0]!.last_input_id;
  const done = entries.filter((e) => compareStreamIds(e.inputId, checkpoint) <= 0);
  const fresh = entries.filter((e) => compareStreamIds(e.inputId, checkpoint) > 0);

  // Already committed: forward again with the same outcome.
  const recorded = new Map<string, LockRejectReason>();
  if (done.length > 0) {
    const { rows } = await client.query<{ input_id: string; reason: LockRejectReason }>(
      'SELECT input_id, reason FROM lock_refusals WHERE market = $1 AND input_id = ANY($2)',
      [market, done.map((e) => e.inputId)],
    );
    for (const r of rows) recorded.set(r.input_id, r.reason);
  }
  const decided = new Map<string, Forward>();
  for (const e of done) {
    const reject = recorded.get(e.inputId);
    decided.set(
      e.inputId,
      reject ? { inputId: e.inputId, text: e.text, reject } : { inputId: e.inputId, text: e.text },
    );
  }
  result.reforwarded = done.length;

  if (fresh.length > 0) await decideFresh(client, ctx, fresh, decided, result);
  result.forwards = entries.map((e) => decided.get(e.inputId)!);
  return result;
}

async function decideFresh(
  client: PoolClient,
  ctx: MarketContext,
  fresh: readonly CommandEntry[],
  decided: Map<string, Forward>,
  result: LockBatchResult,
): Promise<void> {
  const market = ctx.symbol;
  const places = new Map<string, { cmd: PlaceCommand; decision: LockDecision }>();
  const amends = new Map<string, AmendCommand>();
  for (const e of fresh) {
    if (!e.valid) continue;
    if (e.command.type === 'place')
      places.set(e.inputId, { cmd: e.command, decision: lockForPlace(ctx.market, ctx.fees, e.command) });
    else if (e.command.type === 'amend') amends.set(e.inputId, e.command);
  }

  const lockPlaces = [...places.values()].filter((p) => p.decision.type === 'lock');
  const accountIds = [
    ...new Set([...lockPlaces.map((p) => p.cmd.accountId), ...[...amends.values()].map((a) => a.accountId)]),
  ];
  // One client runs one query at a time: these go one after the other.
  const users = new Set<number>();
  if (accountIds.length > 0) {
    const r = await client.query<{ id: string }>(`SELECT id FROM accounts WHERE kind = 'user' AND id = ANY($1)`, [
      accountIds,
    ]);
    for (const x of r.rows) users.add(int(x.id));
  }
  const existing = new Set<number>();
  if (lockPlaces.length > 0) {
    const r = await client.query<{ order_id: string }>(
      `SELECT o.order_id FROM unnest($2::int8[]) AS k(order_id)
         CROSS JOIN LATERAL (SELECT order_id FROM order_locks WHERE market = $1 AND order_id = k.order_id LIMIT 1) AS o`,
      [market, pgArray(lockPlaces.map((p) => p.cmd.orderId))],
    );
    for (const x of r.rows) existing.add(int(x.order_id));
  }
  const targets = await loadAmendTargets(client, market, [...amends.values()]);

  // Lock every balance row this batch may take from, in (account, asset) order.
  const keys = new Map<string, [number, string]>();
  for (const p of lockPlaces)
    if (p.decision.type === 'lock')
      keys.set(key(p.cmd.accountId, p.decision.asset), [p.cmd.accountId, p.decision.asset]);
  for (const a of amends.values()) {
    for (const asset of [ctx.market.base.code, ctx.market.quote.code])
      keys.set(key(a.accountId, asset), [a.accountId, asset]);
  }
  const available = new Map<string, bigint>();
  if (keys.size > 0) {
    const pairs = [...keys.values()];
    const { rows } = await client.query<{ account: string; asset: string; available: string }>(
      `SELECT b.account, b.asset, b.available
         FROM balances b JOIN unnest($1::int8[], $2::text[]) AS k(account, asset) USING (account, asset)
        ORDER BY b.account, b.asset FOR UPDATE OF b`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    for (const r of rows) available.set(key(int(r.account), r.asset), BigInt(r.available));
  }

  const entries: LedgerEntry[] = [];
  const postings: Posting[] = [];
  const newLocks = new Map<number, NewOrderLock>();
  const newAmends: NewAmendLock[] = [];
  const refusals: Array<{ inputId: string; reason: LockRejectReason }> = [];
  const seenOrderIds = new Set(existing);

  const take = (inputId: string, account: number, asset: string, amount: bigint): boolean => {
    const k = key(account, asset);
    const free = available.get(k) ?? 0n;
    if (amount > free) return false;
    available.set(k, free - amount);
    const p = lockPostings(account, asset, amount);
    addEntries(entries, causes.command(market, inputId), p);
    postings.push(...p);
    return true;
  };
  const refuse = (e: CommandEntry, reason: LockRejectReason) => {
    refusals.push({ inputId: e.inputId, reason });
    decided.set(e.inputId, { inputId: e.inputId, text: e.text, reject: reason });
  };

  for (const e of fresh) {
    decided.set(e.inputId, { inputId: e.inputId, text: e.text });
    const place = places.get(e.inputId);
    if (place) {
      const { cmd, decision } = place;
      if (decision.type === 'refuse') refuse(e, decision.reason);
      if (decision.type !== 'lock') continue;
      if (!users.has(cmd.accountId)) {
        refuse(e, 'UNKNOWN_ACCOUNT');
        continue;
      }
      // A reused order id: the engine rejects it as a duplicate; it must not lock (nor release) anything.
      if (seenOrderIds.has(cmd.orderId)) continue;
      seenOrderIds.add(cmd.orderId);
      if (!take(e.inputId, cmd.accountId, decision.asset, decision.amount)) {
        refuse(e, 'INSUFFICIENT_FUNDS');
        continue;
      }
      result.locked++;
      newLocks.set(cmd.orderId, {
        inputId: e.inputId,
        lock: {
          orderId: cmd.orderId,
          accountId: cmd.accountId,
          side: cmd.side,
          kind: decision.kind,
          asset: decision.asset,
          price: decision.price,
          qty: decision.qty,
          filled: 0,
          locked: decision.amount,
          notional: 0n,
          feeWeight: 0n,
          fees: 0n,
          makerBps: ctx.fees.makerBps,
          takerBps: ctx.fees.takerBps,
          commandId: cmd.commandId,
          closed: false,
          clientOrderId: cmd.clientOrderId ?? null,
        },
      });
      continue;
    }
    const amend = amends.get(e.inputId);
    if (!amend) continue;
    const target = resolveTarget(amend, targets.locks, newLocks);
    if (!target) continue; // the engine answers UNKNOWN_ORDER
    const pending = [
      ...(targets.pending.get(target.orderId) ?? []),
      ...newAmends.filter((a) => a.lock.orderId === target.orderId).map((a) => a.target),
    ];
    const d = amendExtraLock(ctx.market, target, pending, { price: amend.price, qty: amend.qty });
    if (d.type !== 'lock') continue;
    if (!take(e.inputId, target.accountId, target.asset, d.amount)) {
      refuse(e, 'INSUFFICIENT_FUNDS');
      continue;
    }
    if (d.amount > 0n) result.locked++;
    newAmends.push({
      commandId: amend.commandId,
      inputId: e.inputId,
      lock: target,
      amount: d.amount,
      target: {
        price: amend.price === undefined ? null : unwrapNumber(ctx.market.parsePrice(amend.price)),
        qty: amend.qty === undefined ? null : unwrapNumber(ctx.market.parseQty(amend.qty)),
      },
    });
  }
  result.refused = refusals.length;

  await insertEntries(client, entries);
  result.balances = await applyPostings(client, postings);
  await insertOrderLocks(client, market, [...newLocks.values()]);
  await insertAmendLocks(client, market, newAmends);
  if (refusals.length > 0) {
    await client.query(
      'INSERT INTO lock_refusals (market, input_id, reason) SELECT $1, * FROM unnest($2::text[], $3::text[])',
      [market, refusals.map((r) => r.inputId), refusals.map((r) => r.reason)],
    );
  }
  await client.query('UPDATE lock_checkpoints SET last_input_id = $2, updated_at = now() WHERE market = $1', [
    market,
    fresh[fresh.length - 1]!.inputId,
  ]);
}

function unwrapNumber(r: { ok: true; value: number } | { ok: false }): number | null {
  return r.ok ? r.value : null;
}

interface AmendTargets {
  locks: Map<number, KnownLock>;
  pending: Map<number, AmendTarget[]>;
}

async function loadAmendTargets(
  client: PoolClient,
  market: string,
  amends: readonly AmendCommand[],
): Promise<AmendTargets> {
  const out: AmendTargets = { locks: new Map(), pending: new Map() };
  if (amends.length === 0) return out;
  const ids = amends.flatMap((a) => (a.orderId !== undefined ? [a.orderId] : []));
  const byClient = amends.filter((a) => a.orderId === undefined && a.clientOrderId !== undefined);
  // two index-probed arms, not one OR: an OR of the two keys made Postgres read every order the
  // market ever had (rows found by both arms are merged by order id below)
  const { rows } = await client.query<OrderLockRow>(
    `SELECT o.* FROM unnest($2::int8[]) AS k(order_id)
       CROSS JOIN LATERAL (SELECT ${ORDER_LOCK_COLUMNS} FROM order_locks
                            WHERE market = $1 AND order_id = k.order_id LIMIT 1) AS o
     UNION ALL
     SELECT o.* FROM unnest($3::int8[], $4::text[]) AS k(account, client_order_id)
       CROSS JOIN LATERAL (SELECT ${ORDER_LOCK_COLUMNS} FROM order_locks
                            WHERE market = $1 AND account = k.account AND client_order_id = k.client_order_id) AS o`,
    [
      market,
      pgArray(ids),
      pgArray(byClient.map((a) => a.accountId)),
      pgTextArray(byClient.map((a) => a.clientOrderId!)),
    ],
  );
  for (const r of rows) out.locks.set(int(r.order_id), toOrderLock(r));
  if (out.locks.size === 0) return out;
  const pending = await client.query<{ order_id: string; price: string | null; qty: string | null }>(
    `SELECT order_id, price, qty FROM amend_locks WHERE market = $1 AND status = 'pending' AND order_id = ANY($2)`,
    [market, [...out.locks.keys()]],
  );
  for (const p of pending.rows) {
    const id = int(p.order_id);
    const list = out.pending.get(id) ?? [];
    list.push({ price: intOrNull(p.price), qty: intOrNull(p.qty) });
    out.pending.set(id, list);
  }
  return out;
}

/**
 * The order an amend targets, as far as the lock stage can tell: by id, or by client order id the
 * newest order of that account not yet known to be closed. Only the owner's own orders.
 */
function resolveTarget(
  amend: AmendCommand,
  known: Map<number, KnownLock>,
  fresh: Map<number, NewOrderLock>,
): KnownLock | undefined {
  let found: KnownLock | undefined;
  if (amend.orderId !== undefined) found = fresh.get(amend.orderId)?.lock ?? known.get(amend.orderId);
  else if (amend.clientOrderId !== undefined) {
    for (const l of [...known.values(), ...[...fresh.values()].map((f) => f.lock)]) {
      if (l.closed || l.accountId !== amend.accountId || l.clientOrderId !== amend.clientOrderId) continue;
      if (!found || l.orderId > found.orderId) found = l;
    }
  }
  return found && found.accountId === amend.accountId ? found : undefined;
}

async function insertOrderLocks(client: PoolClient, market: string, locks: readonly NewOrderLock[]): Promise<void> {
  if (locks.length === 0) return;
  const col = <T>(f: (l: NewOrderLock) => T): T[] => locks.map(f);
  await client.query(
    `INSERT INTO order_locks (market, order_id, account, command_id, input_id, client_order_id, side, kind, asset,
                              price, qty, locked, maker_bps, taker_bps)
     SELECT $1, * FROM unnest($2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                              $9::text[], $10::int8[], $11::int8[], $12::numeric[], $13::int4[], $14::int4[])`,
    [
      market,
      col((l) => l.lock.orderId),
      col((l) => l.lock.accountId),
      col((l) => l.lock.commandId),
      col((l) => l.inputId),
      col((l) => l.lock.clientOrderId),
      col((l) => l.lock.side),
      col((l) => l.lock.kind),
      col((l) => l.lock.asset),
      col((l) => l.lock.price),
      col((l) => l.lock.qty),
      col((l) => l.lock.locked.toString()),
      col((l) => l.lock.makerBps),
      col((l) => l.lock.takerBps),
    ],
  );
}

async function insertAmendLocks(client: PoolClient, market: string, amends: readonly NewAmendLock[]): Promise<void> {
  if (amends.length === 0) return;
  await client.query(
    `INSERT INTO amend_locks (market, command_id, input_id, order_id, account, asset, amount, price, qty)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int8[], $5::int8[], $6::text[], $7::numeric[], $8::int8[], $9::int8[])`,
    [
      market,
      amends.map((a) => a.commandId),
      amends.map((a) => a.inputId),
      amends.map((a) => a.lock.orderId),
      amends.map((a) => a.lock.accountId),
      amends.map((a) => a.lock.asset),
      amends.map((a) => a.amount.toString()),
      amends.map((a) => a.target.price),
      amends.map((a) => a.target.qty),
    ],
  );
}
