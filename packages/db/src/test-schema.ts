import { randomBytes } from 'node:crypto';
import { createPool, type Pool } from './pool';
import { migrate } from './migrate';

export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  pool: Pool;
  schema: string;
  url: string;
  /** Drops the schema and closes the pool. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated schema in the test database, so test files running in parallel never see each
 * other's rows. Child processes reach it with `url` + `schema` (DATABASE_SCHEMA).
 */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = createPool({ url: TEST_DATABASE_URL, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = createPool({ url: TEST_DATABASE_URL, schema });
  await migrate(pool);
  return {
    pool,
    schema,
    url: TEST_DATABASE_URL,
    async drop() {
      await pool.end();
      const a = createPool({ url: TEST_DATABASE_URL, max: 1 });
      await a.query(`DROP SCHEMA ${schema} CASCADE`);
      await a.end();
    },
  };
}
