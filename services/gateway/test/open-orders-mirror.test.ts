import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@exchange/db';
import type { EngineEvent } from '@exchange/protocol';
import { createLogger, createRedis } from '@exchange/service-kit';
import { MarketRegistry } from '../src/markets/registry';
import { OpenOrdersMirror, openOrdersKey, openOrdersKeysPattern } from '../src/projection/open-orders-mirror';
import { Projector } from '../src/projection/projector';

/**
 * The open orders the place script checks (ADR 0026) against the read model they mirror, with the
 * real projector, Postgres and Redis, on archived events written here.
 */
const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'open-orders-mirror-test');
const log = createLogger('open-orders-mirror-test', 'silent');
let db: TestDatabase;
let markets: MarketRegistry;
const market = `OM${randomUUID().slice(0, 8).toUpperCase()}`;
let seq = 0;
let orderId = 1000;

beforeAll(async () => {
  db = await createTestDatabase('gw_mirror');
  await db.pool.query(`INSERT INTO assets (code, decimals) VALUES ('BTC', 8), ('USDT', 8)`);
  await db.pool.query(
    `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, min_notional)
     VALUES ($1, 'BTC', 'USDT', '0.01', '0.00001', '0.00001', '1')`,
    [market],
  );
  markets = new MarketRegistry(db.pool);
  await markets.load();
});
afterAll(async () => {
  const keys = await redis.keys(openOrdersKeysPattern(db.schema));
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await db.drop();
});

const projector = (mirrored = true) =>
  new Projector(
    db.pool,
    markets,
    log,
    { batch: 3, pollMs: 1000 },
    mirrored ? new OpenOrdersMirror(redis, db.pool, db.schema, 3) : undefined,
  );

/** An event as written to the archive here (seq, ts, market and command id added). */
type Archived = { type: string; orderId: number; accountId: number } & Record<string, unknown>;

async function archive(...events: Archived[]): Promise<void> {
  for (const e of events) {
    const body = { ...e, seq: ++seq, ts: 1_700_000_000_000 + seq, market, commandId: randomUUID() };
    await db.pool.query(
      'INSERT INTO events (market, seq, command_id, ts, type, body) VALUES ($1, $2, $3, $4, $5, $6)',
      [market, body.seq, body.commandId, body.ts, body.type, JSON.stringify(body)],
    );
  }
}

function accepted(accountId: number, clientOrderId: string, tif = 'GTC'): Archived {
  return {
    type: 'accepted',
    orderId: ++orderId,
    accountId,
    clientOrderId,
    side: 'buy',
    orderType: 'limit',
    price: 10000,
    qty: 100,
    tif,
    postOnly: false,
    stp: 'none',
  };
}

const done = (o: Archived): Archived => ({
  type: 'done',
  orderId: o.orderId,
  accountId: o.accountId,
  reason: 'canceled',
  filled: 0,
});

/** Each account's open orders as the read model has them, in the mirror's layout. */
async function readModel(): Promise<Record<string, Record<string, string>>> {
  const { rows } = await db.pool.query<{ account_id: string; order_id: string; client_order_id: string }>(
    `SELECT account_id, order_id, client_order_id FROM orders WHERE status IN ('NEW', 'PARTIALLY_FILLED')`,
  );
  const out: Record<string, Record<string, string>> = {};
  for (const r of rows) {
    const h = (out[r.account_id] ??= {});
    h[`o:${r.order_id}`] = r.client_order_id;
    h.n = String(Number(h.n ?? 0) + 1);
    h[`c:${r.client_order_id}`] = String(Number(h[`c:${r.client_order_id}`] ?? 0) + 1);
  }
  return out;
}

async function mirror(accounts: number[]): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const a of accounts) {
    const h = await redis.hgetall(openOrdersKey(db.schema, a));
    if (Object.keys(h).length) out[String(a)] = h;
  }
  return out;
}

const checkpoint = () => redis.get(`gw:open-seq:${db.schema}:${market}`);

it('follows the archive: open from accepted to done, per account, an IOC that ends at once never counted', async () => {
  const a = accepted(1, 'a');
  const b = accepted(1, 'b');
  const c = accepted(2, 'a');
  const ioc = accepted(2, 'ioc', 'IOC');
  await archive(a, b, c, ioc, done(ioc));
  await projector().catchUp();
  expect(await mirror([1, 2])).toEqual({
    '1': { n: '2', [`o:${a.orderId}`]: 'a', [`o:${b.orderId}`]: 'b', 'c:a': '1', 'c:b': '1' },
    '2': { n: '1', [`o:${c.orderId}`]: 'a', 'c:a': '1' },
  });
  expect(await mirror([1, 2])).toEqual(await readModel());

  await archive(done(a), done(c));
  await projector().catchUp();
  expect(await mirror([1, 2])).toEqual({ '1': { n: '1', [`o:${b.orderId}`]: 'b', 'c:b': '1' } });
  expect(await mirror([1, 2])).toEqual(await readModel());
  expect(await checkpoint()).toBe(String(seq));
});

it('is seeded from the read model when its keys are gone (a Redis without its data)', async () => {
  await archive(accepted(3, 'x'), accepted(3, 'y'));
  await projector().catchUp();
  const before = await mirror([1, 2, 3]);
  await redis.del(`gw:open-seq:${db.schema}:${market}`, ...[1, 2, 3].map((a) => openOrdersKey(db.schema, a)));
  await projector().catchUp();
  expect(await mirror([1, 2, 3])).toEqual(before);
  expect(await mirror([1, 2, 3])).toEqual(await readModel());
  expect(await checkpoint()).toBe(String(seq));
});

it('catches up from the archive after batches it missed (a process that died between its commit and its apply)', async () => {
  const withMirror = projector();
  await archive(accepted(4, 'p'));
  await withMirror.catchUp();
  const missed = [accepted(4, 'q'), accepted(4, 'r')];
  await archive(...missed, done(missed[0]!));
  await projector(false).catchUp(); // the read model moves on, the mirror does not
  expect(await checkpoint()).toBe(String(seq - 3));
  await archive(accepted(4, 's'), done(missed[1]!));
  await withMirror.catchUp();
  expect(await checkpoint()).toBe(String(seq));
  expect(await mirror([1, 2, 3, 4])).toEqual(await readModel());
  expect((await mirror([4]))['4']).toMatchObject({ n: '2', 'c:p': '1', 'c:s': '1' });
});

it('applies each change once with several projectors at work, and a run applied twice is no change', async () => {
  const several = [projector(), projector(), projector()];
  const accounts = [5, 6, 7];
  const open: Archived[] = [];
  for (let round = 0; round < 6; round++) {
    const batch: Archived[] = [];
    for (const acct of accounts) {
      const o = accepted(acct, `r${round}`);
      open.push(o);
      batch.push(o);
    }
    if (round % 2) batch.push(done(open.shift()!), done(open.shift()!));
    await archive(...batch);
    await Promise.all(several.map((p) => p.catchUp()));
  }
  expect(await checkpoint()).toBe(String(seq));
  expect(await mirror([1, 2, 3, 4, ...accounts])).toEqual(await readModel());
  // A run whose checkpoint has moved on (another process applied it) is refused by the script.
  const stale = new OpenOrdersMirror(redis, db.pool, db.schema, 3);
  await stale.ensure(market);
  await stale.applyRun(market, seq - 1, [done(open[0]!) as unknown as EngineEvent]);
  expect(await mirror([1, 2, 3, 4, ...accounts])).toEqual(await readModel());
});
