import { createTestDatabase, withTransaction, type TestDatabase } from '../src';

describe('db', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('migrates into an isolated schema', async () => {
    const { rows } = await db.pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toContain('001_assets_and_markets.sql');
    const { rows: s } = await db.pool.query<{ s: string }>('SELECT current_schema() AS s');
    expect(s[0]!.s).toBe(db.schema);
  });

  it('rolls a failed transaction back completely', async () => {
    await expect(
      withTransaction(db.pool, async (c) => {
        await c.query(`INSERT INTO assets (code, decimals) VALUES ('AAA', 2)`);
        await c.query(`INSERT INTO assets (code, decimals) VALUES ('bad', 2)`); // violates the CHECK
      }),
    ).rejects.toThrow();
    const { rowCount } = await db.pool.query(`SELECT 1 FROM assets WHERE code = 'AAA'`);
    expect(rowCount).toBe(0);
  });
});
