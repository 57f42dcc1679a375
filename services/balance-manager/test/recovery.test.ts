/**
 * Nothing applies twice: settlement re-run over an applied range, two settlers at once, and the
 * lock stage restarted after committing a batch it had not yet forwarded, and a read whose reply was
 * lost on the wire.
 */
import { createPool, type TestDatabase } from '@exchange/db';
import { consumerGroups, keys } from '@exchange/protocol';
import { createLogger, createRedis, createRegistry, ReplyCuttingProxy, type Redis } from '@exchange/service-kit';
import { randomBytes } from 'node:crypto';
import { LockConsumer, lockBatch, parseCommandEntry, settleBatch, SettlementLoop } from '../src';
import { ensureGroup } from '../src/lock-stage/consumer';
import { createMetrics } from '../src/metrics';
import { insertEntries } from '../src/ledger-sql';
import {
  commitPlan,
  computeBatch,
  readBatch,
  settleInTransaction,
  StalePlanError,
} from '../src/settlement/settle-batch';
import { balance, checkInvariants, createDb, fund, Harness, insertMarket, marketConfig } from './harness';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = createLogger('bm-test', 'silent');
let db: TestDatabase;
beforeAll(async () => {
  db = await createDb('bmrec');
});
afterAll(() => db.drop());

const snapshot = async () => {
  const b = await db.pool.query('SELECT account, asset, available::text, locked::text FROM balances ORDER BY 1, 2');
  const l = await db.pool.query('SELECT count(*)::int AS n FROM ledger_entries');
  return { balances: b.rows, entries: l.rows[0].n as number };
};

/** Each [reference, other] pair of accounts holds the same balances. */
async function expectSameBalances(pairs: Array<[number, number]>): Promise<void> {
  for (const [x, y] of pairs)
    for (const asset of ['USDT', 'BTC'])
      expect(await balance(db.pool, y, asset)).toEqual(await balance(db.pool, x, asset));
}

async function tradingDay(symbol: string, accounts: [number, number]) {
  const h = new Harness(db.pool, await insertMarket(db.pool, marketConfig(symbol)));
  const [a, b] = accounts;
  await fund(db.pool, a, { USDT: 1_000_000_000n, BTC: 100_000_000n });
  await fund(db.pool, b, { USDT: 1_000_000_000n, BTC: 100_000_000n });
  for (let i = 0; i < 20; i++) {
    await h.submit([
      h.place({ accountId: b, side: 'sell', price: (100 + (i % 5)).toFixed(2), qty: '0.01' }),
      h.place({ accountId: a, side: 'buy', price: '103', qty: '0.015', tif: i % 3 === 0 ? 'IOC' : 'GTC' }),
    ]);
  }
  return h;
}

it('re-running settlement over an already applied range applies nothing', async () => {
  const h = await tradingDay('RERUN', [21, 22]);
  await h.settle(13);
  await checkInvariants(db.pool);
  const before = await snapshot();
  // a settler with a stale checkpoint (or a checkpoint rolled back by hand) re-reads applied events
  await db.pool.query(`UPDATE settlement_checkpoints SET last_seq = 0 WHERE market = 'RERUN'`);
  // refused as a whole: the orders' states say the events were applied, and the ledger's unique
  // (cause, line) would refuse them anyway
  await expect(settleBatch(db.pool, h.ctx, { limit: 50 })).rejects.toThrow();
  expect(await snapshot()).toEqual(before);
  const client = await db.pool.connect();
  try {
    const [cause] = (await client.query(`SELECT cause FROM ledger_entries WHERE cause LIKE 'e:RERUN:%' LIMIT 1`)).rows;
    await expect(
      insertEntries(client, [
        { cause: cause.cause, line: 0, account: 21, asset: 'USDT', bucket: 'available', amount: 1n },
      ]),
    ).rejects.toMatchObject({ code: '23505', constraint: 'ledger_causes_pkey' });
  } finally {
    client.release();
  }
  expect(await snapshot()).toEqual(before);
  // with the checkpoint back where the data says it is, settling again is a no-op
  const last = h.events[h.events.length - 1]!.seq;
  await db.pool.query(`UPDATE settlement_checkpoints SET last_seq = $1 WHERE market = 'RERUN'`, [last]);
  expect((await settleBatch(db.pool, h.ctx, { limit: 50 })).events).toBe(0);
  expect(await snapshot()).toEqual(before);
});

it('a batch that dies before COMMIT leaves nothing behind; the retry gives exactly the clean result', async () => {
  const clean = await tradingDay('TWINA', [51, 52]);
  const crashed = await tradingDay('TWINB', [53, 54]);
  await clean.settle(7);
  for (let i = 0; ; i++) {
    if (i % 2 === 0) {
      // the process dies mid-batch: the connection goes away with the transaction open
      const client = await db.pool.connect();
      await client.query('BEGIN');
      await settleInTransaction(client, crashed.ctx, { limit: 7 });
      client.release(new Error('simulated crash'));
    }
    if ((await settleBatch(db.pool, crashed.ctx, { limit: 7 })).events < 7) break;
  }
  await checkInvariants(db.pool);
  await expectSameBalances([
    [51, 53],
    [52, 54],
  ]);
  const count = (m: string) =>
    db.pool
      .query(`SELECT count(*)::int AS n FROM ledger_entries WHERE cause LIKE 'e:${m}:%'`)
      .then((r) => r.rows[0].n as number);
  expect(await count('TWINB')).toBe(await count('TWINA'));
});

it('a pipelined plan waits for the plan before it to hold the checkpoint, then commits behind it', async () => {
  const ref = await tradingDay('PIPEREF', [63, 64]);
  const h = await tradingDay('PIPESET', [61, 62]);
  await ref.settle(9);
  // plan B is computed from plan A's states, as the loop does, and starts its commit first
  const a = computeBatch(h.ctx, await readBatch(db.pool, 'PIPESET', 0, 30));
  const states = new Map(a.changed.map((l) => [l.orderId, l]));
  const b = computeBatch(h.ctx, await readBatch(db.pool, 'PIPESET', a.lastSeq, 1_000, states));
  expect(b.events).toBeGreaterThan(0);
  let startA!: () => void;
  const gate = new Promise<void>((resolve) => (startA = resolve));
  const commitA = commitPlan(db.pool, a, gate);
  const commitB = commitPlan(db.pool, b, commitA.locked);
  await new Promise((r) => setTimeout(r, 50)); // B, unordered, would have taken the checkpoint by now
  startA();
  expect((await commitA.result).lastSeq).toBe(a.lastSeq);
  expect((await commitB.result).lastSeq).toBe(b.lastSeq);
  await checkInvariants(db.pool);
  await expectSameBalances([
    [63, 61],
    [64, 62],
  ]);
});

it('a stale pipelined plan whose ledger rows another settler already wrote is refused as stale', async () => {
  const h = await tradingDay('STALECAUSE', [65, 66]);
  const plan = computeBatch(h.ctx, await readBatch(db.pool, 'STALECAUSE', 0, 30));
  await settleBatch(db.pool, h.ctx, { limit: 30 }); // the same events, by another settler
  const before = await snapshot();
  await expect(commitPlan(db.pool, plan).result).rejects.toBeInstanceOf(StalePlanError);
  expect(await snapshot()).toEqual(before);
});

it('two settlers of one market at once apply each event exactly once', async () => {
  const ref = await tradingDay('TWOREF', [33, 34]);
  const h = await tradingDay('TWOSET', [31, 32]);
  await ref.settle(9);
  const other = createPool({ url: db.url, schema: db.schema, max: 4 });
  try {
    const drain = async (pool: typeof other) => {
      for (;;) if ((await settleBatch(pool, h.ctx, { limit: 9 })).events < 9) return;
    };
    // two plain settlers and two pipelined ones; a pipelined plan overtaken by another settler is
    // refused as stale at commit, and that loop starts again from the stored checkpoint
    const pipelined = async () => {
      const loop = new SettlementLoop({ pool: other, market: h.ctx, batchSize: 5, blockMs: 1, log });
      for (let attempt = 0; ; attempt++) {
        try {
          await loop.drain();
          return;
        } catch (e) {
          if (!(e instanceof StalePlanError) || attempt > 200) throw e;
        }
      }
    };
    await Promise.all([drain(db.pool), drain(other), pipelined(), pipelined()]);
  } finally {
    await other.end();
  }
  await checkInvariants(db.pool);
  await expectSameBalances([
    [33, 31],
    [34, 32],
  ]);
  const count = (m: string) =>
    db.pool
      .query(`SELECT count(*)::int AS n FROM ledger_entries WHERE cause LIKE 'e:${m}:%'`)
      .then((r) => r.rows[0].n as number);
  expect(await count('TWOSET')).toBe(await count('TWOREF'));
});

describe('lock stage over Redis', () => {
  let redis: Redis;
  let reader: Redis;
  beforeAll(() => {
    redis = createRedis(REDIS_URL, 'bm-test');
    reader = createRedis(REDIS_URL, 'bm-test-reader');
  });
  afterAll(() => {
    redis.disconnect();
    reader.disconnect();
  });

  /** A new market, and an account funded for two orders of 10.01 USDT, not a third. */
  async function lockedMarket(accountId: number) {
    const symbol = `LK${randomBytes(4).toString('hex').toUpperCase()}`;
    const ctx = await insertMarket(db.pool, marketConfig(symbol));
    await fund(db.pool, accountId, { USDT: 25_000_000n });
    const cmdStream = keys.commandStream(symbol);
    return { ctx, h: new Harness(db.pool, ctx), cmdStream, engineStream: keys.engineStream(symbol) };
  }

  it('re-forwards, with the same outcomes and no second lock, what a crashed consumer committed but never forwarded', async () => {
    const { ctx, h, cmdStream, engineStream } = await lockedMarket(41);
    await ensureGroup(redis, cmdStream, consumerGroups.balanceLock);
    const cmds = [1, 2, 3].map(() => h.place({ accountId: 41, side: 'buy', price: '100', qty: '0.1' }));
    for (const [, fields] of h.entries(cmds)) await redis.xadd(cmdStream, '*', ...fields);

    // process #1 reads the batch, commits its locks, and dies before forwarding or acking
    const read = (await redis.xreadgroup(
      'GROUP',
      consumerGroups.balanceLock,
      'bm-dead',
      'COUNT',
      10,
      'STREAMS',
      cmdStream,
      '>',
    )) as Array<[string, Array<[string, string[]]>]>;
    const raw = read[0]![1];
    const first = await lockBatch(
      db.pool,
      ctx,
      raw.map(([id, f]) => parseCommandEntry(id, f)),
    );
    expect(first.forwards.map((f) => f.reject)).toEqual([undefined, undefined, 'INSUFFICIENT_FUNDS']);
    expect(await balance(db.pool, 41, 'USDT')).toEqual({ available: 4_980_000n, locked: 20_020_000n });

    // process #2 (another consumer name) claims the orphaned entries and forwards them again
    const consumer = new LockConsumer({
      pool: db.pool,
      market: ctx,
      reader,
      writer: redis,
      consumer: 'bm-live',
      batchSize: 10,
      blockMs: 20,
      log,
    });
    await consumer.start();
    try {
      const deadline = Date.now() + 10_000;
      while ((await redis.xlen(engineStream)) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await consumer.stop();
    }
    const forwarded = (await redis.xrange(engineStream, '-', '+')) as Array<[string, string[]]>;
    expect(forwarded.map(([, f]) => f[1])).toEqual(raw.map(([id]) => id));
    expect(forwarded.map(([, f]) => f[5])).toEqual([undefined, undefined, 'INSUFFICIENT_FUNDS']);
    expect(JSON.parse(forwarded[0]![1][3]!)).toMatchObject({ type: 'place', orderId: Number(raw[0]![1][1]) });
    expect(await balance(db.pool, 41, 'USDT')).toEqual({ available: 4_980_000n, locked: 20_020_000n });
    const pending = (await redis.xpending(cmdStream, consumerGroups.balanceLock)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    await checkInvariants(db.pool);
    await redis.del(cmdStream, engineStream);
  });

  it('locks and forwards, in order, entries whose delivery Redis recorded but whose reply was lost', async () => {
    const { ctx, h, cmdStream, engineStream } = await lockedMarket(42);
    const proxy = await ReplyCuttingProxy.start(REDIS_URL);
    const cutReader = createRedis(proxy.url, 'bm-test-cut-reader');
    const metrics = createMetrics(createRegistry('bm-test'));
    const consumer = new LockConsumer({
      pool: db.pool,
      market: ctx,
      reader: cutReader,
      writer: redis,
      consumer: 'bm-cut',
      batchSize: 10,
      blockMs: 20,
      log,
      metrics,
    });
    await consumer.start();
    try {
      const [first, ...rest] = h.entries(
        [1, 2, 3].map(() => h.place({ accountId: 42, side: 'buy', price: '100', qty: '0.1' })),
      );
      // the first entry is delivered to `bm-cut` (pending) and its reply lost; ioredis re-sends the
      // read after reconnecting, and a re-sent `>` read returns only what came after it
      const cut = proxy.cutNextNewEntriesReply();
      await redis.xadd(cmdStream, '*', ...first![1]);
      await cut;
      for (const [, fields] of rest) await redis.xadd(cmdStream, '*', ...fields);
      const deadline = Date.now() + 10_000;
      while ((await redis.xlen(engineStream)) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await consumer.stop();
      cutReader.disconnect();
      await proxy.close();
    }
    const inputs = ((await redis.xrange(cmdStream, '-', '+')) as Array<[string, string[]]>).map(([id]) => id);
    const forwarded = (await redis.xrange(engineStream, '-', '+')) as Array<[string, string[]]>;
    expect(forwarded.map(([, f]) => f[1])).toEqual(inputs);
    expect(forwarded.map(([, f]) => f[5])).toEqual([undefined, undefined, 'INSUFFICIENT_FUNDS']);
    expect((await metrics.lockInterruptedReads.get()).values.map((v) => v.value)).toEqual([1]);
    expect(await balance(db.pool, 42, 'USDT')).toEqual({ available: 4_980_000n, locked: 20_020_000n });
    const pending = (await redis.xpending(cmdStream, consumerGroups.balanceLock)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    await checkInvariants(db.pool);
    await redis.del(cmdStream, engineStream);
  });
});
