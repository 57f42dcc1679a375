/**
 * The balance manager as a real process, killed with SIGKILL in the middle of a run and restarted:
 * every command still gets exactly one outcome, every lock is taken once, every event settled once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { TestDatabase } from '@exchange/db';
import { consumerGroups, keys } from '@exchange/protocol';
import { createRedis, type Redis } from '@exchange/service-kit';
import { checkInvariants, createDb, fund, Harness, insertMarket, marketConfig } from './harness';
import { FakeEngine } from './fake-engine';

jest.setTimeout(90_000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(__dirname, '..', 'src', 'main.ts');

let db: TestDatabase;
const conns: Redis[] = [];
const redis = (name: string) => {
  const r = createRedis(REDIS_URL, name);
  conns.push(r);
  return r;
};
beforeAll(async () => {
  db = await createDb('bmcrash');
});
afterAll(async () => {
  for (const c of conns) c.disconnect();
  await db.drop();
});

function startService(symbol: string, failpoint?: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      DATABASE_SCHEMA: db.schema,
      REDIS_URL,
      BM_MARKETS: symbol,
      BM_LOCK_BATCH: '7',
      BM_SETTLE_BATCH: '13',
      BM_BLOCK_MS: '20',
      LOG_LEVEL: 'error',
      OPS_PORT: '0',
      ...(failpoint ? { BM_FAILPOINT: failpoint } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[bm child] ${d.toString()}`));
  return child;
}

const until = async (what: string, cond: () => Promise<boolean>, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

it('survives SIGKILL mid-run: each command forwarded and settled exactly once', async () => {
  const symbol = `CR${randomBytes(4).toString('hex').toUpperCase()}`;
  const cfg = marketConfig(symbol);
  const h = new Harness(db.pool, await insertMarket(db.pool, cfg));
  const accounts = [61, 62, 63, 64];
  for (const a of accounts) await fund(db.pool, a, { USDT: 2_000_000_000n, BTC: 2_000_000_000n });
  const engine = new FakeEngine(db.pool, redis('engine-r'), redis('engine-w'), cfg);
  await engine.start();
  const gateway = redis('gateway');
  const N = 240;
  const entries = h.entries(
    Array.from({ length: N }, (_, i) => {
      const a = accounts[i % accounts.length]!;
      return i % 17 === 16
        ? h.cancel(a, Math.max(1, i - 8))
        : h.place({
            accountId: a,
            side: i % 2 ? 'sell' : 'buy',
            price: (99 + (i % 5)).toFixed(2),
            qty: (0.01 * (1 + (i % 4))).toFixed(2),
            tif: i % 5 === 0 ? 'IOC' : 'GTC',
          });
    }),
  );
  const produce = async (from: number, to: number) => {
    for (let i = from; i < to; i += 10) {
      const p = gateway.pipeline();
      for (const [, f] of entries.slice(i, Math.min(to, i + 10))) p.xadd(keys.commandStream(symbol), '*', ...f);
      await p.exec();
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  // run 1 dies by itself right after committing its 4th lock batch, before forwarding it
  let child = startService(symbol, 'lock-after-commit:4');
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await produce(0, N / 2);
    await exited;
    // run 2 is killed from outside, somewhere in the middle of its work
    child = startService(symbol);
    await until('some progress', async () => engine.applied >= N / 3);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await produce(N / 2, N);
    child = startService(symbol);
    await until('every command applied by the engine', async () => engine.applied === N);
    const lastSeq = engine.book.book.seq;
    await until('settlement caught up', async () => {
      const { rows } = await db.pool.query('SELECT last_seq FROM settlement_checkpoints WHERE market = $1', [symbol]);
      return Number(rows[0]?.last_seq ?? 0) === lastSeq;
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await engine.stop();
  }
  // the batch committed by run 1 but never forwarded reached the engine once, from run 2
  expect(engine.applied).toBe(N);
  // exactly one outcome per place: accepted or rejected, never both, never twice
  const outcomes = await db.pool.query(
    `SELECT command_id, count(*)::int AS n FROM events WHERE market = $1 AND type IN ('accepted', 'rejected') GROUP BY 1 HAVING count(*) <> 1`,
    [symbol],
  );
  expect(outcomes.rows).toEqual([]);
  const locks = await db.pool.query('SELECT count(*)::int AS n FROM order_locks WHERE market = $1', [symbol]);
  const accepted = await db.pool.query(
    `SELECT count(*)::int AS n FROM events WHERE market = $1 AND type = 'accepted'`,
    [symbol],
  );
  expect(locks.rows[0].n).toBe(accepted.rows[0].n);
  const pending = (await gateway.xpending(keys.commandStream(symbol), consumerGroups.balanceLock)) as [number];
  expect(pending[0]).toBe(0);
  await checkInvariants(db.pool);
  await gateway.del(keys.commandStream(symbol), keys.engineStream(symbol), keys.eventStream(symbol));
});
