/**
 * Test harness: the real pipeline without Redis. Commands go through the lock stage's transaction,
 * their forwards through a real MarketBook (as the engine applies them), the events into the
 * `events` archive exactly as the engine archives them, then settlement runs over the archive.
 */
import { createTestDatabase, type Pool, type TestDatabase } from '@exchange/db';
import { MarketBook, type MarketConfig } from '@exchange/matching';
import type { BookEvent } from '@exchange/orderbook';
import type { AmendCommand, CancelCommand, Command, LockRejectReason, PlaceCommand } from '@exchange/protocol';
import {
  auditLedger,
  conservationReport,
  createAccount,
  deposit,
  lockBatch,
  marketContext,
  parseCommandEntry,
  settleBatch,
  type LockBatchResult,
  type MarketContext,
} from '../src';

export const BTC = { code: 'BTC', decimals: 8 };
export const USDT = { code: 'USDT', decimals: 6 };

/** tick 0.01, lot 0.0001: one tick × one lot = 1 USDT minor unit, one lot = 10 000 BTC minor units. */
export function marketConfig(symbol: string, fees = { makerFeeBps: 2, takerFeeBps: 10 }): MarketConfig {
  return {
    symbol,
    base: BTC,
    quote: USDT,
    tickSize: '0.01',
    lotSize: '0.0001',
    minQty: '0.0001',
    minNotional: '0',
    ...fees,
  };
}

export async function createDb(prefix = 'bm'): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  await db.pool.query(
    `INSERT INTO assets (code, decimals) VALUES ('BTC', 8), ('USDT', 6), ('ETH', 8) ON CONFLICT DO NOTHING`,
  );
  return db;
}

export async function insertMarket(pool: Pool, cfg: MarketConfig): Promise<MarketContext> {
  await pool.query(
    `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, min_notional, maker_fee_bps, taker_fee_bps)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      cfg.symbol,
      cfg.base.code,
      cfg.quote.code,
      cfg.tickSize,
      cfg.lotSize,
      cfg.minQty,
      cfg.minNotional,
      cfg.makerFeeBps,
      cfg.takerFeeBps,
    ],
  );
  return marketContext(cfg);
}

let transfers = 0;
export async function fund(pool: Pool, accountId: number, amounts: Record<string, bigint>): Promise<void> {
  await createAccount(pool, { id: accountId, owner: `owner-${accountId}` });
  for (const [asset, amount] of Object.entries(amounts)) {
    await deposit(pool, { transferId: `fund-${process.pid}-${++transfers}`, accountId, asset, amount });
  }
}

export async function balance(
  pool: Pool,
  accountId: number,
  asset: string,
): Promise<{ available: bigint; locked: bigint }> {
  const { rows } = await pool.query<{ available: string; locked: string }>(
    'SELECT available, locked FROM balances WHERE account = $1 AND asset = $2',
    [accountId, asset],
  );
  return { available: BigInt(rows[0]?.available ?? 0), locked: BigInt(rows[0]?.locked ?? 0) };
}

type PlaceArgs = Partial<Omit<PlaceCommand, 'type' | 'commandId' | 'market' | 'ts' | 'orderId'>> &
  Pick<PlaceCommand, 'accountId' | 'side'>;

export class Harness {
  readonly book: MarketBook;
  private input = 0;
  private orderId = 0;
  private commandSeq = 0;
  /** Every event archived so far, in seq order. */
  readonly events: BookEvent[] = [];

  constructor(
    readonly pool: Pool,
    readonly ctx: MarketContext,
  ) {
    this.book = new MarketBook(ctx.config);
  }

  get symbol(): string {
    return this.ctx.symbol;
  }

  private base() {
    return {
      commandId: `${this.symbol}-c${++this.commandSeq}`,
      market: this.symbol,
      ts: 1_700_000_000_000 + this.commandSeq,
    };
  }

  place(a: PlaceArgs): Omit<PlaceCommand, 'orderId'> {
    return { type: 'place', orderType: 'limit', tif: 'GTC', stp: 'none', ...this.base(), ...a } as Omit<
      PlaceCommand,
      'orderId'
    >;
  }

  cancel(accountId: number, orderId: number): CancelCommand {
    return { type: 'cancel', ...this.base(), accountId, orderId };
  }

  amend(accountId: number, orderId: number, change: { price?: string; qty?: string }): AmendCommand {
    return { type: 'amend', ...this.base(), accountId, orderId, ...change };
  }

  amendByClientId(accountId: number, clientOrderId: string, change: { price?: string; qty?: string }): AmendCommand {
    return { type: 'amend', ...this.base(), accountId, clientOrderId, ...change };
  }

  /** The cmd:{market} entries the gateway would write for these commands (orderId beside c for places). */
  entries(cmds: ReadonlyArray<Omit<PlaceCommand, 'orderId'> | Command>): Array<[string, string[]]> {
    return cmds.map((c) => {
      const id = `${1_700_000_000_000 + ++this.input}-0`;
      return c.type === 'place'
        ? [id, ['orderId', String(++this.orderId), 'c', JSON.stringify(c)]]
        : [id, ['c', JSON.stringify(c)]];
    });
  }

  /** Lock stage, then the engine (book + archive). Returns the lock result and the events produced. */
  async submit(
    cmds: ReadonlyArray<Omit<PlaceCommand, 'orderId'> | Command>,
    raw = this.entries(cmds),
  ): Promise<{ lock: LockBatchResult; events: BookEvent[]; orderIds: number[] }> {
    const lock = await lockBatch(
      this.pool,
      this.ctx,
      raw.map(([id, f]) => parseCommandEntry(id, f)),
    );
    const events = await this.engine(
      lock.forwards.map((f) => ({ command: JSON.parse(f.text) as Command, reject: f.reject })),
    );
    const orderIds = raw.flatMap(([, f]) => (f[0] === 'orderId' ? [Number(f[1])] : []));
    return { lock, events, orderIds };
  }

  /** What the engine does with forwarded commands: apply to the book, archive the events. */
  async engine(inputs: Array<{ command: Command; reject?: LockRejectReason }>): Promise<BookEvent[]> {
    const out: Array<{ event: BookEvent; commandId: string }> = [];
    for (const { command, reject } of inputs) {
      for (const event of this.book.apply(command, reject)) out.push({ event, commandId: command.commandId });
    }
    if (out.length > 0) {
      await this.pool.query(
        `INSERT INTO events (market, seq, command_id, ts, type, body)
         SELECT $1, * FROM unnest($2::int8[], $3::text[], $4::int8[], $5::text[], $6::json[])`,
        [
          this.symbol,
          out.map((o) => o.event.seq),
          out.map((o) => o.commandId),
          out.map((o) => o.event.ts),
          out.map((o) => o.event.type),
          out.map((o) => JSON.stringify({ ...o.event, market: this.symbol, commandId: o.commandId })),
        ],
      );
    }
    const events = out.map((o) => o.event);
    this.events.push(...events);
    return events;
  }

  /** Settles everything archived, in batches of `limit`; runs `after` after every batch. */
  async settle(limit = 1000, after?: () => Promise<void>): Promise<number> {
    let n = 0;
    for (;;) {
      const r = await settleBatch(this.pool, this.ctx, { limit });
      n += r.events;
      if (after) await after();
      if (r.events < limit) return n;
    }
  }

  /** submit + settle. */
  async run(cmds: ReadonlyArray<Omit<PlaceCommand, 'orderId'> | Command>) {
    const r = await this.submit(cmds);
    await this.settle();
    return r;
  }
}

/**
 * The invariants that must hold at every checkpoint: conservation per asset, a ledger that explains
 * every balance and is double-entry per cause, and locked balances that are exactly what open
 * orders and pending amends hold.
 */
export async function checkInvariants(pool: Pool): Promise<void> {
  const report = await conservationReport(pool);
  expect(report.filter((l) => !l.ok)).toEqual([]);
  const audit = await auditLedger(pool);
  expect(audit).toEqual({ unbalancedAssets: [], unbalancedCauses: [], mismatches: [] });
  const { rows } = await pool.query(
    `WITH held AS (
       SELECT account, asset, sum(locked) AS s FROM order_locks GROUP BY 1, 2
       UNION ALL SELECT account, asset, sum(amount) FROM amend_locks WHERE status = 'pending' GROUP BY 1, 2),
     h AS (SELECT account, asset, sum(s) AS s FROM held GROUP BY 1, 2)
     SELECT b.account, b.asset, b.locked::text, COALESCE(h.s, 0)::text AS held
       FROM balances b FULL JOIN h USING (account, asset)
      WHERE COALESCE(b.locked, 0) <> COALESCE(h.s, 0)`,
  );
  expect(rows).toEqual([]);
  const negative = await pool.query('SELECT * FROM balances WHERE available < 0 OR locked < 0');
  expect(negative.rows).toEqual([]);
}
