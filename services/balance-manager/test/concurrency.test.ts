/**
 * Many lock-stage transactions at once (one per market, several markets sharing one account's
 * USDT, each on its own pool client), plus withdrawals racing them: the account is never overdrawn,
 * and exactly as many orders get their lock as the balance can cover.
 */
import { createPool, type Pool, type TestDatabase } from '@exchange/db';
import { balance, checkInvariants, createDb, fund, insertMarket, marketConfig, Harness } from './harness';
import { lockBatch, parseCommandEntry, withdraw, type MarketContext } from '../src';

let db: TestDatabase;
let pool: Pool;
beforeAll(async () => {
  db = await createDb('bmconc');
  pool = createPool({ url: db.url, schema: db.schema, max: 12 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const MARKETS = 8;
const BATCHES = 6;
const PER_BATCH = 25;
const ACCOUNT = 7;
// each order: 100.00 × 0.1 = 10 USDT + 10 bps = 10.01 USDT
const COST = 10_010_000n;
const DEPOSIT = 5_000_000_000n; // 499.5 orders' worth: 499 fit

it('never overdraws one account under concurrent lock transactions and withdrawals', async () => {
  await fund(pool, ACCOUNT, { USDT: DEPOSIT });
  const contexts: MarketContext[] = [];
  for (let m = 0; m < MARKETS; m++) contexts.push(await insertMarket(pool, marketConfig(`CONC${m}`)));
  let orderId = 0;
  let withdrawn = 0n;
  const jobs: Array<Promise<number>> = [];
  for (const ctx of contexts) {
    const h = new Harness(pool, ctx);
    // one market's batches run in stream order; markets run side by side
    jobs.push(
      (async () => {
        let accepted = 0;
        for (let b = 0; b < BATCHES; b++) {
          const cmds = Array.from({ length: PER_BATCH }, () =>
            h.place({ accountId: ACCOUNT, side: 'buy', price: '100', qty: '0.1' }),
          );
          const entries = h.entries(cmds).map(([id, f]) => {
            f[1] = String(++orderId); // order ids unique across markets too
            return parseCommandEntry(id, f);
          });
          const r = await lockBatch(pool, ctx, entries);
          accepted += r.locked;
          for (const f of r.forwards) expect([undefined, 'INSUFFICIENT_FUNDS']).toContain(f.reject);
        }
        return accepted;
      })(),
    );
  }
  for (let w = 0; w < 10; w++) {
    jobs.push(
      withdraw(pool, { transferId: `conc-w${w}`, accountId: ACCOUNT, asset: 'USDT', amount: 100_000_000n }).then(
        () => {
          withdrawn += 100_000_000n;
          return 0;
        },
        (e: { code?: string }) => {
          if (e.code !== 'INSUFFICIENT_FUNDS') throw e;
          return 0;
        },
      ),
    );
  }
  const accepted = (await Promise.all(jobs)).reduce((s, n) => s + n, 0);
  const { available, locked } = await balance(pool, ACCOUNT, 'USDT');
  expect(available).toBeGreaterThanOrEqual(0n);
  expect(locked).toBe(BigInt(accepted) * COST);
  expect(available + locked + withdrawn).toBe(DEPOSIT);
  // first come first served: a refusal only ever happens once the balance cannot cover one more order
  expect(available).toBeLessThan(COST);
  expect(accepted).toBe(Number((DEPOSIT - withdrawn) / COST));
  expect(accepted).toBeLessThan(MARKETS * BATCHES * PER_BATCH);
  await checkInvariants(pool);
});

it('the database itself refuses a negative balance', async () => {
  await fund(pool, 8, { USDT: 5n });
  await expect(
    pool.query(`UPDATE balances SET available = available - 6 WHERE account = 8 AND asset = 'USDT'`),
  ).rejects.toMatchObject({
    code: '23514',
  });
  await expect(pool.query(`UPDATE ledger_entries SET amount = 1 WHERE account = 8`)).rejects.toThrow(/append-only/);
  await expect(pool.query(`DELETE FROM ledger_entries WHERE account = 8`)).rejects.toThrow(/append-only/);
});
