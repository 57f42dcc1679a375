/**
 * A random trading session through the real pipeline, with settlement lagging the engine by random
 * amounts (so amends, fills and cancels are in flight when locks are decided). After every lock
 * batch, every settlement batch and every transfer: conservation per asset, a ledger that explains
 * every balance, locked = what open orders and pending amends hold, nothing negative.
 */
import type { TestDatabase } from '@exchange/db';
import type { Command, PlaceCommand } from '@exchange/protocol';
import { createLogger } from '@exchange/service-kit';
import { conservationReport, deposit, settleBatch, SettlementLoop, withdraw } from '../src';

const log = createLogger('bm-session', 'silent');
import { checkInvariants, createDb, fund, Harness, insertMarket, marketConfig } from './harness';

function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createDb('bmsess');
});
afterAll(() => db.drop());

const SEED = Number(process.env.BM_SESSION_SEED ?? 20240601);

it(`keeps every invariant at every checkpoint of a random session (seed ${SEED})`, async () => {
  const r = rng(SEED);
  const h = new Harness(
    db.pool,
    await insertMarket(db.pool, marketConfig('RNDBTC', { makerFeeBps: 3, takerFeeBps: 7 })),
  );
  const accounts = [1, 2, 3, 4, 5];
  for (const a of accounts)
    await fund(db.pool, a, { USDT: BigInt(r.int(50, 400)) * 1_000_000n, BTC: BigInt(r.int(1, 4)) * 100_000_000n });
  const placed: Array<{ id: number; account: number }> = [];

  const price = () => (r.int(9_500, 10_500) / 100).toFixed(2);
  const qty = () => (r.int(1, 3_000) / 10_000).toFixed(4);

  const command = (): Omit<PlaceCommand, 'orderId'> | Command => {
    const account = r.pick(accounts);
    const side = r.pick(['buy', 'sell'] as const);
    const roll = r.next();
    // mostly orders the engine still has open (the test may peek at the book), sometimes any order
    const open = h.book.book.openOrders(account).map((o) => o.orderId);
    const known = placed.filter((p) => p.account === account).map((p) => p.id);
    const target = () => (open.length > 0 && r.next() < 0.85 ? r.pick(open) : r.pick(known));
    if (roll < 0.1 && known.length > 0) return h.cancel(account, target());
    if (roll < 0.25 && known.length > 0) {
      const which = r.int(0, 2);
      return h.amend(
        account,
        target(),
        which === 0 ? { price: price() } : which === 1 ? { qty: qty() } : { price: price(), qty: qty() },
      );
    }
    if (roll < 0.27)
      return h.place({
        accountId: account,
        side,
        orderType: 'market',
        tif: 'IOC',
        qty: qty(),
        price: side === 'buy' ? '106' : '94',
      });
    if (roll < 0.3)
      return h.place({
        accountId: account,
        side: 'buy',
        orderType: 'market',
        tif: 'IOC',
        quoteQty: (r.int(100, 20_000) / 1000).toFixed(3),
      });
    if (roll < 0.32) return h.place({ accountId: account, side, orderType: 'market', tif: 'IOC', qty: qty() }); // buy: refused, sell: fine
    if (roll < 0.35)
      return h.place({
        accountId: account,
        side,
        orderType: 'stop_limit',
        stopPrice: price(),
        price: price(),
        qty: qty(),
      });
    if (roll < 0.38) return h.place({ accountId: account, side, price: price(), qty: '0.3', displayQty: '0.05' });
    if (roll < 0.42)
      return h.place({ accountId: account, side, price: price(), qty: qty(), tif: r.pick(['IOC', 'FOK'] as const) });
    if (roll < 0.45) return h.place({ accountId: account, side, price: price(), qty: qty(), postOnly: true });
    if (roll < 0.5)
      return h.place({
        accountId: account,
        side,
        price: price(),
        qty: qty(),
        stp: r.pick(['cancel_newest', 'cancel_oldest', 'cancel_both', 'decrement_and_cancel'] as const),
      });
    return h.place({ accountId: account, side, price: price(), qty: qty() });
  };

  let transfers = 0;
  let checks = 0;
  let settled = 0;
  for (let round = 0; round < 60; round++) {
    const cmds = Array.from({ length: r.int(1, 12) }, command);
    const { orderIds } = await h.submit(cmds);
    let k = 0;
    for (const c of cmds) if (c.type === 'place') placed.push({ id: orderIds[k++]!, account: c.accountId });
    await checkInvariants(db.pool);
    checks++;
    const roll = r.next();
    if (roll < 0.4) {
      // settlement catches up partly, one transaction per small batch
      for (let i = r.int(1, 4); i > 0; i--) {
        const res = await settleBatch(db.pool, h.ctx, { limit: r.int(1, 25) });
        settled += res.events;
        await checkInvariants(db.pool);
        checks++;
      }
    } else if (roll < 0.55) {
      // or the service's pipelined loop drains it, in batches small enough to overlap many times
      const loop = new SettlementLoop({ pool: db.pool, market: h.ctx, batchSize: r.int(1, 9), blockMs: 1, log });
      settled += (await loop.drain()).events;
      await checkInvariants(db.pool);
      checks++;
    }
    if (r.next() < 0.1) {
      const a = r.pick(accounts);
      const t = `sess-${++transfers}`;
      if (r.next() < 0.5)
        await deposit(db.pool, {
          transferId: t,
          accountId: a,
          asset: 'USDT',
          amount: BigInt(r.int(1, 50)) * 1_000_000n,
        });
      else
        await withdraw(db.pool, { transferId: t, accountId: a, asset: 'BTC', amount: BigInt(r.int(1, 10_000)) }).catch(
          (e: { code?: string }) => {
            if (e.code !== 'INSUFFICIENT_FUNDS') throw e;
          },
        );
      await checkInvariants(db.pool);
      checks++;
    }
  }
  settled += await h.settle(7, async () => {
    await checkInvariants(db.pool);
    checks++;
  });
  // Close everything: every lock must come back to available, exactly.
  await h.run(
    accounts.map((a) => ({
      type: 'cancel_all' as const,
      commandId: `end-${a}`,
      market: h.symbol,
      ts: 1,
      accountId: a,
    })),
  );
  await checkInvariants(db.pool);
  const locked = await db.pool.query(`SELECT account, asset, locked FROM balances WHERE locked <> 0`);
  expect(locked.rows).toEqual([]);
  const open = await db.pool.query(`SELECT order_id FROM order_locks WHERE locked <> 0`);
  expect(open.rows).toEqual([]);
  expect((await conservationReport(db.pool)).every((l) => l.ok)).toBe(true);
  const counts: Record<string, number> = {};
  for (const e of h.events)
    counts[e.type === 'rejected' ? `rejected:${e.reason}` : e.type] =
      (counts[e.type === 'rejected' ? `rejected:${e.reason}` : e.type] ?? 0) + 1;
  if (process.env.BM_SESSION_PEEK) console.log(JSON.stringify(counts));
  const trades = h.events.filter((e) => e.type === 'trade').length;
  expect(trades).toBeGreaterThan(20);
  expect(settled).toBeGreaterThan(0);
  expect(checks).toBeGreaterThan(60);
});
