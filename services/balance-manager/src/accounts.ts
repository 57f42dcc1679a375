import type { Pool } from '@exchange/db';
import { BalanceError } from './errors';

export interface AccountInput {
  /** A positive id chosen by the caller; omitted: the next from the account_ids sequence. */
  id?: number;
  owner: string;
  tenant?: string;
}

export interface Account {
  id: number;
  owner: string;
  tenant: string;
  kind: 'user' | 'fee' | 'external';
}

/**
 * Creates a user account. Idempotent on an explicit id: the same id with the same owner and tenant
 * returns the existing account (`created: false`); with another owner it is ACCOUNT_EXISTS.
 */
export async function createAccount(pool: Pool, input: AccountInput): Promise<Account & { created: boolean }> {
  const tenant = input.tenant ?? 'default';
  if (input.id !== undefined && !(Number.isSafeInteger(input.id) && input.id > 0)) {
    throw new BalanceError('UNKNOWN_ACCOUNT', `account id must be a positive safe integer, got ${input.id}`);
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO accounts (id, owner, tenant, kind) VALUES (COALESCE($1::int8, nextval('account_ids')), $2, $3, 'user')
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [input.id ?? null, input.owner, tenant],
    );
    if (rows[0]) return { id: Number(rows[0].id), owner: input.owner, tenant, kind: 'user', created: true };
    if (input.id === undefined) continue; // the sequence met an explicitly chosen id: take the next
    const existing = await getAccount(pool, input.id);
    if (existing && existing.kind === 'user' && existing.owner === input.owner && existing.tenant === tenant) {
      return { ...existing, created: false };
    }
    throw new BalanceError('ACCOUNT_EXISTS', `account ${input.id} exists with another owner`, { accountId: input.id });
  }
  throw new BalanceError('ACCOUNT_EXISTS', 'no free account id found after 20 attempts');
}

export async function getAccount(pool: Pool, id: number): Promise<Account | null> {
  const { rows } = await pool.query<{ id: string; owner: string; tenant: string; kind: Account['kind'] }>(
    'SELECT id, owner, tenant, kind FROM accounts WHERE id = $1',
    [id],
  );
  const r = rows[0];
  return r ? { id: Number(r.id), owner: r.owner, tenant: r.tenant, kind: r.kind } : null;
}
