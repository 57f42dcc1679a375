/** Reads for the gateway and for audits. Amounts are bigint minor units; `decimals` formats them. */
import type { Pool } from '@exchange/db';
import { getAccount } from './accounts';
import { BalanceError } from './errors';
import { EXTERNAL_ACCOUNT_ID } from './system-accounts';

export interface Balance {
  asset: string;
  decimals: number;
  available: bigint;
  locked: bigint;
}

export async function getBalances(pool: Pool, accountId: number): Promise<Balance[]> {
  const account = await getAccount(pool, accountId);
  if (!account) throw new BalanceError('UNKNOWN_ACCOUNT', `account ${accountId} does not exist`, { accountId });
  const { rows } = await pool.query<{ asset: string; decimals: number; available: string; locked: string }>(
    `SELECT b.asset, a.decimals, b.available, b.locked FROM balances b JOIN assets a ON a.code = b.asset
      WHERE b.account = $1 ORDER BY b.asset`,
    [accountId],
  );
  return rows.map((r) => ({
    asset: r.asset,
    decimals: r.decimals,
    available: BigInt(r.available),
    locked: BigInt(r.locked),
  }));
}

export interface LedgerLine {
  id: string;
  /** e:{market}:{seq} (an event), c:{market}:{cmd entry id} (a lock), t:{transfer id} */
  cause: string;
  line: number;
  asset: string;
  bucket: 'available' | 'locked';
  amount: bigint;
  createdAt: Date;
}

export interface LedgerPage {
  entries: LedgerLine[];
  /** Pass as `before` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

/** An account's ledger, newest first, keyset-paginated on the entry id (stable under inserts). */
export async function getLedger(
  pool: Pool,
  accountId: number,
  opts: { limit?: number; before?: string; asset?: string } = {},
): Promise<LedgerPage> {
  const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
  if (opts.before !== undefined && !/^[0-9]{1,19}$/.test(opts.before)) {
    throw new BalanceError('INVALID_CURSOR', `cursor must be an entry id, got ${opts.before}`);
  }
  const { rows } = await pool.query<{
    id: string;
    cause: string;
    line: number;
    asset: string;
    bucket: LedgerLine['bucket'];
    amount: string;
    created_at: Date;
  }>(
    `SELECT id, cause, line, asset, bucket, amount, created_at FROM ledger_entries
      WHERE account = $1 AND ($2::int8 IS NULL OR id < $2) AND ($3::text IS NULL OR asset = $3)
      ORDER BY id DESC LIMIT $4`,
    [accountId, opts.before ?? null, opts.asset ?? null, limit + 1],
  );
  const page = rows.slice(0, limit).map((r) => ({
    id: r.id,
    cause: r.cause,
    line: r.line,
    asset: r.asset,
    bucket: r.bucket,
    amount: BigInt(r.amount),
    createdAt: r.created_at,
  }));
  return { entries: page, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
}

export interface ConservationLine {
  asset: string;
  /** Σ (available + locked) over user and fee accounts */
  held: bigint;
  /** Σ deposits − Σ withdrawals */
  netTransfers: bigint;
  ok: boolean;
}

/** For every asset: what user and fee accounts hold equals what was deposited and not withdrawn. */
export async function conservationReport(pool: Pool): Promise<ConservationLine[]> {
  const { rows } = await pool.query<{ asset: string; held: string; net: string }>(
    `WITH held AS (
       SELECT b.asset, sum(b.available + b.locked) AS held
         FROM balances b JOIN accounts a ON a.id = b.account
        WHERE a.kind IN ('user', 'fee') GROUP BY b.asset),
     net AS (
       SELECT asset, sum(CASE kind WHEN 'deposit' THEN amount ELSE -amount END) AS net FROM transfers GROUP BY asset)
     SELECT asset, COALESCE(held.held, 0)::text AS held, COALESCE(net.net, 0)::text AS net
       FROM held FULL JOIN net USING (asset) ORDER BY asset`,
  );
  return rows.map((r) => ({
    asset: r.asset,
    held: BigInt(r.held),
    netTransfers: BigInt(r.net),
    ok: BigInt(r.held) === BigInt(r.net),
  }));
}

export interface LedgerAudit {
  /** assets whose entries do not sum to zero */
  unbalancedAssets: Array<{ asset: string; sum: bigint }>;
  /** causes whose entries do not sum to zero in some asset */
  unbalancedCauses: Array<{ cause: string; asset: string; sum: bigint }>;
  /** balances that differ from the sum of their ledger entries */
  mismatches: Array<{ account: number; asset: string; bucket: string; balance: bigint; ledger: bigint }>;
}

/** The full audit: the ledger explains every balance, and every cause is double-entry. Scans the whole ledger. */
export async function auditLedger(pool: Pool): Promise<LedgerAudit> {
  const assets = await pool.query<{ asset: string; sum: string }>(
    'SELECT asset, sum(amount)::text AS sum FROM ledger_entries GROUP BY asset HAVING sum(amount) <> 0',
  );
  const causes = await pool.query<{ cause: string; asset: string; sum: string }>(
    'SELECT cause, asset, sum(amount)::text AS sum FROM ledger_entries GROUP BY cause, asset HAVING sum(amount) <> 0 LIMIT 100',
  );
  const mismatches = await pool.query<{
    account: string;
    asset: string;
    bucket: string;
    balance: string;
    ledger: string;
  }>(
    `WITH l AS (SELECT account, asset, bucket, sum(amount) AS s FROM ledger_entries WHERE account <> $1 GROUP BY 1, 2, 3),
          b AS (SELECT account, asset, 'available' AS bucket, available AS s FROM balances
                UNION ALL SELECT account, asset, 'locked', locked FROM balances)
     SELECT account, asset, bucket, COALESCE(b.s, 0)::text AS balance, COALESCE(l.s, 0)::text AS ledger
       FROM b FULL JOIN l USING (account, asset, bucket)
      WHERE COALESCE(b.s, 0) <> COALESCE(l.s, 0) LIMIT 100`,
    [EXTERNAL_ACCOUNT_ID],
  );
  return {
    unbalancedAssets: assets.rows.map((r) => ({ asset: r.asset, sum: BigInt(r.sum) })),
    unbalancedCauses: causes.rows.map((r) => ({ cause: r.cause, asset: r.asset, sum: BigInt(r.sum) })),
    mismatches: mismatches.rows.map((r) => ({
      account: Number(r.account),
      asset: r.asset,
      bucket: r.bucket,
      balance: BigInt(r.balance),
      ledger: BigInt(r.ledger),
    })),
  };
}
