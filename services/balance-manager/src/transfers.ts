/**
 * Deposits and withdrawals by admins. Each is a transfer with the caller's idempotency id: the same
 * id with the same payload returns the first result and moves nothing; with another payload it is
 * TRANSFER_ID_CONFLICT. The other side of every transfer is the external account, so each asset's
 * ledger sums to zero (ADR 0032).
 */
import { withTransaction, type Pool, type PoolClient } from '@exchange/db';
import type { Posting } from '@exchange/ledger';
import { BalanceError } from './errors';
import { addEntries, applyPostings, causes, insertEntries, type LedgerEntry } from './ledger-sql';
import type { AccountPublisher } from './publisher';
import { EXTERNAL_ACCOUNT_ID } from './system-accounts';

export interface TransferInput {
  /** Idempotency id, 1–128 characters. */
  transferId: string;
  accountId: number;
  asset: string;
  /** Minor units, > 0. */
  amount: bigint;
}

export interface TransferResult extends TransferInput {
  kind: 'deposit' | 'withdrawal';
  /** True when this id was applied before: nothing moved this time. */
  duplicate: boolean;
  available: bigint;
  locked: bigint;
}

export function deposit(pool: Pool, input: TransferInput, publisher?: AccountPublisher): Promise<TransferResult> {
  return transfer(pool, 'deposit', input, publisher);
}

/** Refuses (INSUFFICIENT_FUNDS) to take more than the available balance; locked funds stay put. */
export function withdraw(pool: Pool, input: TransferInput, publisher?: AccountPublisher): Promise<TransferResult> {
  return transfer(pool, 'withdrawal', input, publisher);
}

async function transfer(
  pool: Pool,
  kind: TransferResult['kind'],
  input: TransferInput,
  publisher?: AccountPublisher,
): Promise<TransferResult> {
  validate(input);
  const result = await withTransaction(pool, async (client) => {
    await checkTargets(client, input);
    const inserted = await client.query(
      `INSERT INTO transfers (id, kind, account, asset, amount) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [input.transferId, kind, input.accountId, input.asset, input.amount.toString()],
    );
    if (inserted.rowCount === 0) return { ...(await replay(client, kind, input)), rows: [] };
    if (kind === 'withdrawal') {
      const { rows } = await client.query<{ available: string }>(
        'SELECT available FROM balances WHERE account = $1 AND asset = $2 FOR UPDATE',
        [input.accountId, input.asset],
      );
      const available = BigInt(rows[0]?.available ?? '0');
      if (available < input.amount) {
        throw new BalanceError(
          'INSUFFICIENT_FUNDS',
          `withdrawal of ${input.amount} ${input.asset} exceeds the available ${available}`,
          {
            accountId: input.accountId,
            asset: input.asset,
            available: available.toString(),
            amount: input.amount.toString(),
          },
        );
      }
    }
    const sign = kind === 'deposit' ? 1n : -1n;
    const postings: Posting[] = [
      { account: EXTERNAL_ACCOUNT_ID, asset: input.asset, bucket: 'available', amount: -sign * input.amount },
      { account: input.accountId, asset: input.asset, bucket: 'available', amount: sign * input.amount },
    ];
    const entries: LedgerEntry[] = [];
    addEntries(entries, causes.transfer(input.transferId), postings);
    await insertEntries(client, entries);
    const rows = await applyPostings(client, postings);
    const row = rows.find((r) => r.account === input.accountId)!;
    return { ...input, kind, duplicate: false, available: row.available, locked: row.locked, rows };
  });
  const { rows, ...out } = result;
  await publisher?.publish(rows, kind);
  return out;
}

function validate(input: TransferInput): void {
  if (typeof input.amount !== 'bigint' || input.amount <= 0n) {
    throw new BalanceError(
      'INVALID_AMOUNT',
      `amount must be a positive bigint of minor units, got ${String(input.amount)}`,
    );
  }
  if (typeof input.transferId !== 'string' || input.transferId.length < 1 || input.transferId.length > 128) {
    throw new BalanceError('INVALID_TRANSFER_ID', 'transferId must be 1-128 characters');
  }
}

async function checkTargets(client: PoolClient, input: TransferInput): Promise<void> {
  const { rows } = await client.query<{ kind: string | null; asset: string | null }>(
    `SELECT (SELECT kind FROM accounts WHERE id = $1) AS kind, (SELECT code FROM assets WHERE code = $2) AS asset`,
    [input.accountId, input.asset],
  );
  const r = rows[0]!;
  if (r.kind !== 'user' && r.kind !== 'fee') {
    throw new BalanceError('UNKNOWN_ACCOUNT', `account ${input.accountId} does not exist or cannot hold balances`, {
      accountId: input.accountId,
    });
  }
  if (r.asset === null)
    throw new BalanceError('UNKNOWN_ASSET', `asset ${input.asset} does not exist`, { asset: input.asset });
}

async function replay(client: PoolClient, kind: TransferResult['kind'], input: TransferInput): Promise<TransferResult> {
  const { rows } = await client.query<{ kind: string; account: string; asset: string; amount: string }>(
    'SELECT kind, account, asset, amount FROM transfers WHERE id = $1',
    [input.transferId],
  );
  const t = rows[0]!;
  if (
    t.kind !== kind ||
    Number(t.account) !== input.accountId ||
    t.asset !== input.asset ||
    BigInt(t.amount) !== input.amount
  ) {
    throw new BalanceError(
      'TRANSFER_ID_CONFLICT',
      `transfer ${input.transferId} was already used for another transfer`,
      {
        transferId: input.transferId,
      },
    );
  }
  const b = await client.query<{ available: string; locked: string }>(
    'SELECT available, locked FROM balances WHERE account = $1 AND asset = $2',
    [input.accountId, input.asset],
  );
  return {
    ...input,
    kind,
    duplicate: true,
    available: BigInt(b.rows[0]?.available ?? '0'),
    locked: BigInt(b.rows[0]?.locked ?? '0'),
  };
}
