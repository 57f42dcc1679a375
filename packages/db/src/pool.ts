import { Pool, type PoolClient, type PoolConfig } from 'pg';

export type { Pool, PoolClient } from 'pg';

export interface PoolOptions {
  url: string;
  /** Postgres schema to work in (tests each get their own); default "public". */
  schema?: string;
  max?: number;
  onError?: (err: Error) => void;
}

/** A pool that never waits forever for a connection and never lets an idle client's error crash the process unseen. */
export function createPool({ url, schema, max = 10, onError }: PoolOptions): Pool {
  const config: PoolConfig = { connectionString: url, max, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 };
  if (schema) config.options = `-c search_path=${schema}`;
  const pool = new Pool(config);
  pool.on('error', onError ?? ((err) => process.emitWarning(`idle postgres client error: ${err.message}`)));
  return pool;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock

/**
 * Runs `fn` in one transaction on one client (never pool.query: each of those may land on a
 * different connection). Serialization failures and deadlocks are retried with backoff.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      const code = (err as { code?: string }).code;
      if (attempt >= attempts || !code || !RETRYABLE.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 5 * 2 ** attempt));
    } finally {
      client.release();
    }
  }
}

/**
 * For the rest of the transaction, plans key lookups as index probes. Batch statements join a few
 * thousand keys (`= ANY($1)`, `unnest`) against tables that only grow (order locks, balances): with
 * that many keys Postgres's cost model prefers a sequential scan or a hash join over the whole
 * table, so every batch would read every order ever placed. Index paths remain, bitmap scans too.
 */
export async function preferKeyLookups(client: PoolClient): Promise<void> {
  await client.query(
    'SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off',
  );
}
