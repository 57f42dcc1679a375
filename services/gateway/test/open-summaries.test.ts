/** The pre-place read-model check, coalesced: many places, one query, each answer its own. */
import { createTestDatabase, type TestDatabase } from '@exchange/db';
import { OpenSummaries } from '../src/read/open-summaries';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('gwsum');
  // account 1: two open (one partly filled), one filled; account 2: one open; account 3: none open
  const orders: Array<[number, number, string | null, string]> = [
    [1, 1, 'a-open', 'NEW'],
    [2, 1, 'a-part', 'PARTIALLY_FILLED'],
    [3, 1, 'a-done', 'FILLED'],
    [4, 2, 'b-open', 'NEW'],
    [5, 2, null, 'NEW'],
    [6, 3, 'c-gone', 'CANCELED'],
  ];
  for (const [id, account, clientId, status] of orders) {
    await db.pool.query(
      `INSERT INTO orders (order_id, market, account_id, client_order_id, status, created_seq, updated_seq, created_ts, updated_ts)
       VALUES ($1, 'BTCUSDT', $2, $3, $4, $1, $1, 0, 0)`,
      [id, account, clientId, status],
    );
  }
});
afterAll(() => db.drop());

it('answers each place as its own query would, with one query for all that arrive together', async () => {
  let queries = 0;
  const summaries = new OpenSummaries({
    query: ((...args: Parameters<typeof db.pool.query>) => {
      queries++;
      return db.pool.query(...args);
    }) as typeof db.pool.query,
  });
  const asks: Array<[number, string | undefined]> = [
    [1, 'a-open'], // open: duplicate
    [1, 'a-part'], // partly filled is open: duplicate
    [1, 'a-done'], // filled: free again
    [1, 'b-open'], // another account's id
    [1, undefined],
    [2, 'b-open'],
    [2, 'a-open'],
    [3, 'c-gone'],
    [4, 'x'], // no orders at all
  ];
  const answers = await Promise.all(asks.map(([account, clientId]) => summaries.get(account, clientId)));
  expect(queries).toBe(1);
  expect(answers).toEqual([
    { open: 2, duplicate: true },
    { open: 2, duplicate: true },
    { open: 2, duplicate: false },
    { open: 2, duplicate: false },
    { open: 2, duplicate: false },
    { open: 2, duplicate: true },
    { open: 2, duplicate: false },
    { open: 0, duplicate: false },
    { open: 0, duplicate: false },
  ]);
  // a later turn of the event loop gets a query of its own
  expect(await summaries.get(2, 'b-open')).toEqual({ open: 2, duplicate: true });
  expect(queries).toBe(2);
});

it('a failed query fails every place that waited on it, and the next one queries again', async () => {
  let fail = true;
  const summaries = new OpenSummaries({
    query: ((...args: Parameters<typeof db.pool.query>) =>
      fail ? Promise.reject(new Error('connection lost')) : db.pool.query(...args)) as typeof db.pool.query,
  });
  const both = [summaries.get(1, 'a-open'), summaries.get(2, undefined)];
  for (const p of both) await expect(p).rejects.toThrow('connection lost');
  fail = false;
  expect(await summaries.get(1, 'a-open')).toEqual({ open: 2, duplicate: true });
});

it('runs one query at a time: the places that arrive while it runs share the next one', async () => {
  const sizes: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const summaries = new OpenSummaries({
    query: (async (config: { values: [string, string] }) => {
      sizes.push(config.values[0].split(',').length);
      if (sizes.length === 1) await gate; // the first query is slow
      return db.pool.query(config as never);
    }) as unknown as typeof db.pool.query,
  });
  const first = summaries.get(1, 'a-open');
  await new Promise((r) => setImmediate(r)); // the first query is now running
  const later = [summaries.get(2, 'b-open'), summaries.get(3, undefined)];
  await new Promise((r) => setTimeout(r, 20)); // several turns of the event loop: still waiting
  expect(sizes).toEqual([1]);
  release();
  expect(await first).toEqual({ open: 2, duplicate: true });
  expect(await Promise.all(later)).toEqual([
    { open: 2, duplicate: true },
    { open: 0, duplicate: false },
  ]);
  expect(sizes).toEqual([1, 2]); // accounts asked for: 1, then 2 and 3 together
});
