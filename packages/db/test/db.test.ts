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

  it("refuses to change a market's terms after creation; status and shard may change", async () => {
    await db.pool.query(`INSERT INTO assets (code, decimals) VALUES ('TB', 8), ('TQ', 6)`);
    await db.pool.query(
      `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, max_open_orders)
       VALUES ('TBTQ', 'TB', 'TQ', '0.01', '0.001', '0.001', 50)`,
    );
    const row = () => db.pool.query(`SELECT * FROM markets WHERE symbol = 'TBTQ'`).then((r) => r.rows[0]);
    const before = await row();
    for (const change of [
      `tick_size = '0.1'`,
      `lot_size = '0.01'`,
      `min_qty = '1'`,
      `min_notional = '5'`,
      'maker_fee_bps = 0',
      'taker_fee_bps = 1',
      'max_open_orders = 51',
      'max_open_orders = NULL',
      `quote = 'TB', base = 'TQ'`,
    ]) {
      await expect(db.pool.query(`UPDATE markets SET ${change} WHERE symbol = 'TBTQ'`)).rejects.toMatchObject({
        code: '23001',
        message: expect.stringContaining('fixed at creation'),
      });
    }
    expect(await row()).toEqual(before);
    await db.pool.query(`UPDATE markets SET status = 'halted', shard = 'b', tick_size = '0.01' WHERE symbol = 'TBTQ'`);
    expect(await row()).toEqual({ ...before, status: 'halted', shard: 'b' });
  });
});
