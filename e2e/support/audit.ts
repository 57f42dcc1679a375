/**
 * After a run: what the system of record says about every acknowledged order, read straight from
 * Postgres (the engine's archive `events` and `engine_commands`, the gateway's read model, the
 * ledger). Nothing here trusts the services' own reports.
 */
import type { Client } from 'pg';
import type { Ack } from './bot';

export interface OrderFate {
  ack: Ack;
  /** `accepted` or place-`rejected` events for its order id: 1 expected (0 = lost, > 1 = applied twice). */
  outcomes: number;
  /** Such events for its order id but another account or clientOrderId: the id was handed out twice. */
  foreignOutcomes: number;
  /** Place commands in the engine's log with its (account, clientOrderId): 1 expected (> 1 = duplicated). */
  placeCommands: number;
  /** Read-model rows with its (account, clientOrderId): 1 expected. */
  readModelRows: number;
  /** Its status in the read model. */
  status: string | null;
  /** The command's timestamp (the gateway's clock when it enqueued it). */
  enqueuedAt: number | null;
}

export async function orderFates(db: Client, market: string, acks: Ack[]): Promise<OrderFate[]> {
  const outcomes = await db.query<{
    order_id: string;
    account: string | null;
    cid: string | null;
    n: string;
    ts: string;
  }>(
    `SELECT body->>'orderId' AS order_id, body->>'accountId' AS account, body->>'clientOrderId' AS cid,
            count(*) AS n, min(ts) AS ts FROM events
      WHERE market = $1 AND (type = 'accepted' OR (type = 'rejected' AND body->>'command' = 'place'))
      GROUP BY 1, 2, 3`,
    [market],
  );
  const commands = await db.query<{ account: string; cid: string; n: string }>(
    `SELECT command->>'accountId' AS account, command->>'clientOrderId' AS cid, count(*) AS n FROM engine_commands
      WHERE market = $1 AND command->>'type' = 'place' GROUP BY 1, 2`,
    [market],
  );
  const rows = await db.query<{ account_id: string; client_order_id: string; n: string; status: string }>(
    `SELECT account_id, client_order_id, count(*) AS n, max(status) AS status FROM orders
      WHERE market = $1 GROUP BY 1, 2`,
    [market],
  );
  const byOrder = new Map<number, typeof outcomes.rows>();
  for (const r of outcomes.rows) byOrder.set(Number(r.order_id), [...(byOrder.get(Number(r.order_id)) ?? []), r]);
  const byCid = new Map(commands.rows.map((r) => [`${r.account}/${r.cid}`, Number(r.n)]));
  const model = new Map(rows.rows.map((r) => [`${r.account_id}/${r.client_order_id}`, r]));
  return acks.map((ack) => {
    const key = `${ack.accountId}/${ack.clientOrderId}`;
    // A rejection may not repeat the account or clientOrderId; what it does repeat must match.
    const mine = (r: { account: string | null; cid: string | null }) =>
      (r.account === null || Number(r.account) === ack.accountId) && (r.cid === null || r.cid === ack.clientOrderId);
    const rows = byOrder.get(ack.orderId) ?? [];
    const own = rows.filter(mine);
    return {
      ack,
      outcomes: own.reduce((n, r) => n + Number(r.n), 0),
      foreignOutcomes: rows.filter((r) => !mine(r)).reduce((n, r) => n + Number(r.n), 0),
      placeCommands: byCid.get(key) ?? 0,
      readModelRows: Number(model.get(key)?.n ?? 0),
      status: model.get(key)?.status ?? null,
      enqueuedAt: own.length ? Math.min(...own.map((r) => Number(r.ts))) : null,
    };
  });
}

export interface LogAudit {
  events: number;
  lastSeq: number;
  /** count = last seq and the first is 1 */
  gapless: boolean;
  trades: number;
  tradeIdsGapless: boolean;
  /** command ids with more than one accepted/rejected event (a command applied twice) */
  commandsAppliedTwice: number;
  /** orders with more than one `done` */
  doneTwice: number;
  /** accepted orders with no `done` (after everything was canceled: must be none) */
  openAccepted: number;
  /** engine, settlement and read-model checkpoints */
  checkpoints: { engine: number; settlement: number; projection: number };
}

export async function auditLog(db: Client, market: string): Promise<LogAudit> {
  const one = async <T>(sql: string): Promise<T> => (await db.query(sql, [market])).rows[0] as T;
  const seqs = await one<{ n: string; lo: string | null; hi: string | null }>(
    'SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM events WHERE market = $1',
  );
  const trades = await one<{ n: string; hi: string | null }>(
    `SELECT count(*) AS n, max((body->>'tradeId')::bigint) AS hi FROM events WHERE market = $1 AND type = 'trade'`,
  );
  const twice = await one<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT command_id FROM events WHERE market = $1 AND type IN ('accepted', 'rejected')
      GROUP BY command_id HAVING count(*) > 1) t`,
  );
  const doneTwice = await one<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT body->>'orderId' FROM events WHERE market = $1 AND type = 'done'
      GROUP BY 1 HAVING count(*) > 1) t`,
  );
  const open = await one<{ n: string }>(
    `SELECT count(*) AS n FROM events a WHERE a.market = $1 AND a.type = 'accepted' AND NOT EXISTS
      (SELECT 1 FROM events d WHERE d.market = a.market AND d.type = 'done' AND d.body->>'orderId' = a.body->>'orderId')`,
  );
  const cp = await one<{ engine: string | null; settlement: string | null; projection: string | null }>(
    `SELECT (SELECT last_seq FROM engine_checkpoints WHERE market = $1) AS engine,
            (SELECT last_seq FROM settlement_checkpoints WHERE market = $1) AS settlement,
            (SELECT last_seq FROM projection_checkpoints WHERE market = $1) AS projection`,
  );
  const n = Number(seqs.n);
  return {
    events: n,
    lastSeq: Number(seqs.hi ?? 0),
    gapless: n === Number(seqs.hi ?? 0) && (n === 0 || Number(seqs.lo) === 1),
    trades: Number(trades.n),
    tradeIdsGapless: Number(trades.n) === Number(trades.hi ?? 0),
    commandsAppliedTwice: Number(twice.n),
    doneTwice: Number(doneTwice.n),
    openAccepted: Number(open.n),
    checkpoints: {
      engine: Number(cp.engine ?? 0),
      settlement: Number(cp.settlement ?? 0),
      projection: Number(cp.projection ?? 0),
    },
  };
}

export interface LedgerCheck {
  /** causes whose entries do not sum to zero in some asset */
  unbalancedCauses: number;
  /** balances that differ from the sum of their ledger entries */
  balanceMismatches: number;
  /** Σ locked over every account (0 once nothing is open) */
  locked: Record<string, string>;
}

/** The double-entry audit of services/balance-manager `auditLedger`, in SQL. */
export async function auditLedgerSql(db: Client): Promise<LedgerCheck> {
  const causes = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT cause, asset FROM ledger_entries GROUP BY 1, 2 HAVING sum(amount) <> 0) t`,
  );
  const mismatches = await db.query<{ n: string }>(
    `WITH l AS (SELECT account, asset, bucket, sum(amount) AS s FROM ledger_entries
                 WHERE account <> -2 GROUP BY 1, 2, 3),
          b AS (SELECT account, asset, 'available' AS bucket, available AS s FROM balances
                UNION ALL SELECT account, asset, 'locked', locked FROM balances)
     SELECT count(*) AS n FROM b FULL JOIN l USING (account, asset, bucket) WHERE COALESCE(b.s, 0) <> COALESCE(l.s, 0)`,
  );
  const locked = await db.query<{ asset: string; s: string }>(
    'SELECT asset, sum(locked)::text AS s FROM balances GROUP BY asset ORDER BY asset',
  );
  return {
    unbalancedCauses: Number(causes.rows[0]!.n),
    balanceMismatches: Number(mismatches.rows[0]!.n),
    locked: Object.fromEntries(locked.rows.map((r) => [r.asset, r.s])),
  };
}
