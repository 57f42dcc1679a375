/**
 * The balance side of a replay, pure: transfers, the lock stage's locks and settlement rebuilt
 * through the ledger rules, cause by cause, from the command log and the regenerated events.
 *
 * - a place the lock stage let through (`lock_rejected` null) locks `lockForPlace` (ADR 0031),
 *   unless its order id was locked before (the engine rejects the duplicate);
 * - an amend's extra depends on how far settlement had got when the lock stage saw it, which the
 *   logs do not record: it is an input here, read from `amend_locks` (ADR 0071);
 * - settlement is the balance manager's own `computeBatch` over the regenerated events.
 * Every cause's postings are handed to `onCause`, so a caller can compare them with the ledger.
 */
import {
  computeBatch,
  marketContext,
  SETTLED_TYPES,
  type BatchInput,
  type MarketContext,
} from '@exchange/balance-manager';
import { aggregatePostings, lockForPlace, lockPostings, type OrderLock, type Posting } from '@exchange/ledger';
import type { MarketConfig } from '@exchange/matching';
import type { BookEvent } from '@exchange/orderbook';
import { parseCommand } from '@exchange/protocol';

export const FEE_ACCOUNT = -1;
export const EXTERNAL_ACCOUNT = -2;

export interface TransferRow {
  id: string;
  kind: 'deposit' | 'withdrawal';
  account: number;
  asset: string;
  amount: bigint;
}

/** amend_locks row: what the lock stage locked for one amend command. */
export interface AmendLockRow {
  commandId: string;
  inputId: string;
  orderId: number;
  account: number;
  asset: string;
  amount: bigint;
}

export interface BalanceLine {
  account: number;
  asset: string;
  available: bigint;
  locked: bigint;
}

export type CauseSink = (cause: string, postings: Posting[], seq: number) => void;

type SettledEvent = BatchInput['events'][number];
const SETTLED = new Set<string>(SETTLED_TYPES);

class MarketLedger {
  readonly ctx: MarketContext;
  readonly locks = new Map<number, OrderLock>();
  readonly lockedOrderIds = new Set<number>();
  /** Amend extras locked and not yet settled, by command id. */
  readonly pendingAmends: BatchInput['amendLocks'] = new Map();
  /** Settled-type events waiting for the next flush, in seq order. */
  queue: SettledEvent[] = [];
  /** The last command the lock side has seen. */
  lastInput: string | null = null;

  constructor(
    config: MarketConfig,
    /** amend_locks rows of the market by input id. */
    readonly amendLocks: Map<string, AmendLockRow>,
  ) {
    this.ctx = marketContext(config);
  }
}

export class BalanceReplayer {
  private readonly balances = new Map<string, BalanceLine>();
  private readonly markets = new Map<string, MarketLedger>();
  causes = 0;

  constructor(private readonly onCause: CauseSink = () => undefined) {}

  addMarket(config: MarketConfig, amendLocks: readonly AmendLockRow[]): void {
    this.markets.set(config.symbol, new MarketLedger(config, new Map(amendLocks.map((a) => [a.inputId, a]))));
  }

  /** The input id of the last command of a market seen by `lock` (null: none). */
  lastInput(symbol: string): string | null {
    return this.markets.get(symbol)?.lastInput ?? null;
  }

  transfer(t: TransferRow): void {
    const sign = t.kind === 'deposit' ? 1n : -1n;
    this.post(`t:${t.id}`, 0, [
      { account: EXTERNAL_ACCOUNT, asset: t.asset, bucket: 'available', amount: -sign * t.amount },
      { account: t.account, asset: t.asset, bucket: 'available', amount: sign * t.amount },
    ]);
  }

  /**
   * The lock stage's effect of one archived command (before the engine applied it); `command` is
   * the archived text's JSON value. What the schema refuses, the lock stage forwarded unlocked.
   */
  lock(market: string, inputId: string, command: unknown, lockRejected: string | null, firstSeq: number): void {
    const m = this.markets.get(market)!;
    m.lastInput = inputId;
    if (lockRejected !== null) return;
    const parsed = parseCommand(command);
    if (!parsed.success) return;
    const cmd = parsed.data;
    const cause = `c:${market}:${inputId}`;
    if (cmd.type === 'place') {
      const d = lockForPlace(m.ctx.market, m.ctx.fees, cmd);
      if (d.type !== 'lock' || m.lockedOrderIds.has(cmd.orderId)) return;
      m.lockedOrderIds.add(cmd.orderId);
      m.locks.set(cmd.orderId, {
        orderId: cmd.orderId,
        accountId: cmd.accountId,
        side: cmd.side,
        kind: d.kind,
        asset: d.asset,
        price: d.price,
        qty: d.qty,
        filled: 0,
        locked: d.amount,
        notional: 0n,
        feeWeight: 0n,
        fees: 0n,
        makerBps: m.ctx.fees.makerBps,
        takerBps: m.ctx.fees.takerBps,
        commandId: cmd.commandId,
        closed: false,
      });
      this.post(cause, firstSeq, lockPostings(cmd.accountId, d.asset, d.amount));
    } else if (cmd.type === 'amend') {
      const a = m.amendLocks.get(inputId);
      if (!a) return;
      m.pendingAmends.set(a.commandId, { orderId: a.orderId, account: a.account, asset: a.asset, amount: a.amount });
      this.post(cause, firstSeq, lockPostings(a.account, a.asset, a.amount));
    }
  }

  /** Queues a command's regenerated events for settlement (applied at the next `flush`). */
  events(market: string, commandId: string, events: readonly BookEvent[]): void {
    const m = this.markets.get(market)!;
    for (const e of events) {
      if (SETTLED.has(e.type))
        m.queue.push({ seq: String(e.seq), command_id: commandId, body: e as SettledEvent['body'] });
    }
  }

  /** Settles the queued events of a market with the balance manager's own computeBatch. */
  flush(market: string): void {
    const m = this.markets.get(market)!;
    if (m.queue.length === 0) return;
    const events = m.queue;
    m.queue = [];
    const from = Number(events[0]!.seq) - 1;
    const input: BatchInput = {
      market,
      from,
      visible: Number(events[events.length - 1]!.seq),
      limit: events.length + 1,
      events,
      locks: m.locks,
      amendLocks: m.pendingAmends,
    };
    const plan = computeBatch(m.ctx, input, FEE_ACCOUNT);
    for (const l of plan.changed) m.locks.set(l.orderId, l);
    for (const id of plan.amendStatus.keys()) m.pendingAmends.delete(id);
    // plan.entries are in cause order, each cause's lines numbered from 0
    let k = 0;
    while (k < plan.entries.length) {
      const cause = plan.entries[k]!.cause;
      const postings: Posting[] = [];
      for (; k < plan.entries.length && plan.entries[k]!.cause === cause; k++) {
        const { account, asset, bucket, amount } = plan.entries[k]!;
        postings.push({ account, asset, bucket, amount });
      }
      this.post(cause, Number(cause.slice(cause.lastIndexOf(':') + 1)), postings);
    }
  }

  /** Balances of user and fee accounts, zero lines left out, in (account, asset) order. */
  lines(): BalanceLine[] {
    return sortLines([...this.balances.values()].filter((b) => b.available !== 0n || b.locked !== 0n));
  }

  private post(cause: string, seq: number, postings: Posting[]): void {
    const merged = aggregatePostings(postings);
    if (merged.length === 0) return;
    this.causes++;
    this.onCause(cause, merged, seq);
    for (const p of merged) {
      if (p.account === EXTERNAL_ACCOUNT) continue; // the world has entries, no balance row
      const key = `${p.account}\u0000${p.asset}`;
      let b = this.balances.get(key);
      if (!b) this.balances.set(key, (b = { account: p.account, asset: p.asset, available: 0n, locked: 0n }));
      b[p.bucket] += p.amount;
    }
  }
}

export function sortLines(lines: BalanceLine[]): BalanceLine[] {
  return lines.sort((a, b) => a.account - b.account || (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0));
}
