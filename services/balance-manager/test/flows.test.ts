/**
 * Every order type through the real pipeline (lock stage → MarketBook → archive → settlement), with
 * exact balances computed by hand: 1 tick × 1 lot = 1 USDT minor unit (6 decimals), 1 lot = 10 000
 * BTC minor units; maker 2 bps, taker 10 bps; fees rounded up per order (ADR 0004/0005).
 */
import type { TestDatabase } from '@exchange/db';
import { FEE_ACCOUNT_ID } from '../src';
import { balance, checkInvariants, createDb, fund, Harness, insertMarket, marketConfig } from './harness';

const E = 10_000_000_000n; // each account's starting 10 000 USDT or 100 BTC, in minor units

let db: TestDatabase;
let seq = 0;
/** A fresh market and fresh accounts (a = buyer side, b = seller side, c, d spare), all funded. */
async function setup() {
  const n = ++seq;
  const h = new Harness(db.pool, await insertMarket(db.pool, marketConfig(`FLOW${n}`)));
  const [a, b, c, d] = [n * 10 + 1, n * 10 + 2, n * 10 + 3, n * 10 + 4];
  for (const id of [a, b, c, d]) await fund(db.pool, id, { USDT: E, BTC: E });
  const feeBefore = (await balance(db.pool, FEE_ACCOUNT_ID, 'USDT')).available;
  const bal = (id: number, asset: 'USDT' | 'BTC') => balance(db.pool, id, asset);
  const fees = async () => (await balance(db.pool, FEE_ACCOUNT_ID, 'USDT')).available - feeBefore;
  return { h, a, b, c, d, bal, fees };
}

beforeAll(async () => {
  db = await createDb('bmflow');
});
afterAll(() => db.drop());
afterEach(() => checkInvariants(db.pool));

describe('settlement of every order type', () => {
  it('limit buy and sell: price improvement back to the taker, maker and taker fees, cancel releases the rest', async () => {
    const { h, a, b, bal, fees } = await setup();
    await h.run([h.place({ accountId: b, side: 'sell', price: '100', qty: '0.5' })]);
    expect(await bal(b, 'BTC')).toEqual({ available: E - 50_000_000n, locked: 50_000_000n });
    const { lock, orderIds } = await h.submit([h.place({ accountId: a, side: 'buy', price: '101', qty: '0.3' })]);
    // lock: 101 × 0.3 = 30.3 USDT + 10 bps = 30 330 300 minor
    expect(lock.balances.find((r) => r.account === a)).toMatchObject({ locked: 30_330_300n });
    await h.settle();
    // fill 0.3 at 100: 30 USDT + taker fee 0.03; 0.3003 USDT (price improvement + fee headroom) back
    expect(await bal(a, 'USDT')).toEqual({ available: E - 30_030_000n, locked: 0n });
    expect(await bal(a, 'BTC')).toEqual({ available: E + 30_000_000n, locked: 0n });
    expect(await bal(b, 'BTC')).toEqual({ available: E - 50_000_000n, locked: 20_000_000n });
    expect(await bal(b, 'USDT')).toEqual({ available: E + 30_000_000n - 6_000n, locked: 0n });
    expect(await fees()).toBe(36_000n);
    expect(orderIds).toHaveLength(1);
    await h.run([h.cancel(b, 1)]);
    expect(await bal(b, 'BTC')).toEqual({ available: E - 30_000_000n, locked: 0n });
  });

  it('an order that takes then rests pays taker then maker rate, rounded once on the weighted total', async () => {
    const { h, a, b, bal, fees } = await setup();
    await h.run([h.place({ accountId: b, side: 'sell', price: '99', qty: '0.2' })]);
    await h.run([h.place({ accountId: a, side: 'buy', price: '100', qty: '0.5' })]);
    // taker 0.2 @ 99 = 19.8 USDT, fee 0.0198; the rest holds exactly 30 USDT + its 10 bps headroom
    expect(await bal(a, 'USDT')).toEqual({ available: E - 19_819_800n - 30_030_000n, locked: 30_030_000n });
    await h.run([h.place({ accountId: b, side: 'sell', price: '100', qty: '0.3' })]);
    // maker 0.3 @ 100 = 30 USDT; fees ceil((19.8M × 10 + 30M × 2) / 10⁴) = 25 800 in all
    expect(await bal(a, 'USDT')).toEqual({ available: E - 49_825_800n, locked: 0n });
    expect(await bal(a, 'BTC')).toEqual({ available: E + 50_000_000n, locked: 0n });
    expect(await bal(b, 'USDT')).toEqual({ available: E + 19_800_000n - 3_960n + 30_000_000n - 30_000n, locked: 0n });
    expect(await fees()).toBe(25_800n + 3_960n + 30_000n);
  });

  it('market buy by qty with a protection price locks as a limit there and returns the rest at done', async () => {
    const { h, a, b, bal, fees } = await setup();
    await h.run([
      h.place({ accountId: b, side: 'sell', price: '100', qty: '0.2' }),
      h.place({ accountId: b, side: 'sell', price: '102', qty: '0.2' }),
    ]);
    const { lock } = await h.submit([
      h.place({ accountId: a, side: 'buy', orderType: 'market', tif: 'IOC', qty: '0.3', price: '105' }),
    ]);
    expect(lock.balances.find((r) => r.account === a)?.locked).toBe(31_531_500n);
    await h.settle();
    // 0.2 @ 100 + 0.1 @ 102 = 30.2 USDT, taker fee ceil(30.2M × 10 / 10⁴) = 30 200
    expect(await bal(a, 'USDT')).toEqual({ available: E - 30_230_200n, locked: 0n });
    expect(await bal(b, 'BTC')).toEqual({ available: E - 40_000_000n, locked: 10_000_000n });
    expect(await bal(b, 'USDT')).toEqual({ available: E + 20_000_000n - 4_000n + 10_200_000n - 2_040n, locked: 0n });
    expect(await fees()).toBe(30_200n + 6_040n);
  });

  it('market buy by qty without a protection price is refused before the engine and moves nothing', async () => {
    const { h, a, bal } = await setup();
    const { lock, events } = await h.run([
      h.place({ accountId: a, side: 'buy', orderType: 'market', tif: 'IOC', qty: '0.3' }),
    ]);
    expect(lock.forwards[0]!.reject).toBe('PROTECTION_PRICE_REQUIRED');
    expect(events).toMatchObject([{ type: 'rejected', reason: 'PROTECTION_PRICE_REQUIRED' }]);
    expect(await bal(a, 'USDT')).toEqual({ available: E, locked: 0n });
  });

  it('market buy by quote amount: locks the amount, spends notional + fee within it, returns the rest', async () => {
    const { h, a, b, bal } = await setup();
    await h.run([h.place({ accountId: b, side: 'sell', price: '100', qty: '0.2' })]);
    const { lock } = await h.submit([
      h.place({ accountId: a, side: 'buy', orderType: 'market', tif: 'IOC', quoteQty: '10' }),
    ]);
    expect(lock.balances.find((r) => r.account === a)?.locked).toBe(10_000_000n);
    await h.settle();
    // budget floor(10M × 10⁴ / 10010) = 9 990 009 → 999 lots at 100.00 = 9.99 USDT, fee 0.00999
    expect(await bal(a, 'USDT')).toEqual({ available: E - 9_999_990n, locked: 0n });
    expect(await bal(a, 'BTC')).toEqual({ available: E + 9_990_000n, locked: 0n });
    expect(await bal(b, 'USDT')).toEqual({ available: E + 9_990_000n - 1_998n, locked: 0n });
  });

  it('market sell by qty: IOC remainder released; the resting buyer gets maker rate and its headroom back', async () => {
    const { h, a, b, bal } = await setup();
    await h.run([h.place({ accountId: a, side: 'buy', price: '100', qty: '0.1' })]);
    const { events } = await h.run([
      h.place({ accountId: b, side: 'sell', orderType: 'market', tif: 'IOC', qty: '0.3' }),
    ]);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['trade', 'canceled', 'done']));
    expect(await bal(b, 'BTC')).toEqual({ available: E - 10_000_000n, locked: 0n });
    expect(await bal(b, 'USDT')).toEqual({ available: E + 10_000_000n - 10_000n, locked: 0n });
    expect(await bal(a, 'USDT')).toEqual({ available: E - 10_002_000n, locked: 0n });
  });

  it('stop-limit buy locks at its limit while pending, then settles as a limit once triggered', async () => {
    const { h, a, b, c, bal } = await setup();
    await h.run([
      h.place({ accountId: a, side: 'buy', orderType: 'stop_limit', stopPrice: '103', price: '104', qty: '0.1' }),
    ]);
    expect(await bal(a, 'USDT')).toEqual({ available: E - 10_410_400n, locked: 10_410_400n });
    await h.run([
      h.place({ accountId: b, side: 'sell', price: '103', qty: '0.1' }),
      h.place({ accountId: b, side: 'sell', price: '103.5', qty: '0.1' }),
    ]);
    const { events } = await h.run([h.place({ accountId: c, side: 'buy', price: '103', qty: '0.1' })]);
    expect(events.map((e) => e.type)).toContain('triggered');
    // A's stop became a limit buy at 104 and took 0.1 @ 103.5 as taker: 10.35 USDT + 0.01035
    expect(await bal(a, 'USDT')).toEqual({ available: E - 10_360_350n, locked: 0n });
    expect(await bal(a, 'BTC')).toEqual({ available: E + 10_000_000n, locked: 0n });
  });

  it('stop-market buy by quote locks the amount until it triggers and fills', async () => {
    const { h, a, b, c, bal } = await setup();
    await h.run([
      h.place({ accountId: a, side: 'buy', orderType: 'stop_market', tif: 'IOC', stopPrice: '101', quoteQty: '5' }),
    ]);
    expect(await bal(a, 'USDT')).toEqual({ available: E - 5_000_000n, locked: 5_000_000n });
    await h.run([h.place({ accountId: b, side: 'sell', price: '101', qty: '0.2' })]);
    await h.run([h.place({ accountId: c, side: 'buy', price: '101', qty: '0.1' })]);
    // budget floor(5M × 10⁴ / 10010) = 4 995 004 → 494 lots @ 101.00 = 4 989 400, fee 4 990
    expect(await bal(a, 'USDT')).toEqual({ available: E - 4_994_390n, locked: 0n });
    expect(await bal(a, 'BTC')).toEqual({ available: E + 4_940_000n, locked: 0n });
  });

  it('iceberg: every refill settles at maker rate; the hidden rest stays locked', async () => {
    const { h, a, b, bal } = await setup();
    await h.run([h.place({ accountId: b, side: 'sell', price: '100', qty: '0.5', displayQty: '0.1' })]);
    const { events } = await h.run([h.place({ accountId: a, side: 'buy', price: '100', qty: '0.35' })]);
    expect(events.filter((e) => e.type === 'trade')).toHaveLength(4);
    expect(await bal(a, 'USDT')).toEqual({ available: E - 35_035_000n, locked: 0n });
    expect(await bal(b, 'BTC')).toEqual({ available: E - 50_000_000n, locked: 15_000_000n });
    expect(await bal(b, 'USDT')).toEqual({ available: E + 35_000_000n - 7_000n, locked: 0n });
  });

  it('IOC remainder is released at done', async () => {
    const { h, a, b, bal } = await setup();
    await h.run([h.place({ accountId: b, side: 'sell', price: '100', qty: '0.2' })]);
    await h.run([h.place({ accountId: a, side: 'buy', price: '100', qty: '0.5', tif: 'IOC' })]);
    expect(await bal(a, 'USDT')).toEqual({ available: E - 20_020_000n, locked: 0n });
  });

  it('FOK kill releases the whole lock', async () => {
    const { h, a, b, bal } = await setup();
    await h.run([h.place({ accountId: b, side: 'sell', price: '100', qty: '0.2' })]);
    const { events } = await h.run([h.place({ accountId: a, side: 'buy', price: '100', qty: '0.5', tif: 'FOK' })]);
    expect(events.map((e) => e.type)).toEqual(['accepted', 'canceled', 'done']);
    expect(await bal(a, 'USDT')).toEqual({ available: E, locked: 0n });
  });

  it('post-only that would take is rejected by the book and its lock released', async () => {
    const { h, a, b, bal } = await setup();
    await h.run([h.place({ accountId: b, side: 'sell', price: '100', qty: '0.2' })]);
    const { lock, events } = await h.submit([
      h.place({ accountId: a, side: 'buy', price: '100', qty: '0.1', postOnly: true }),
    ]);
    expect(lock.locked).toBe(1);
    expect(events).toMatchObject([{ type: 'rejected', reason: 'POST_ONLY_WOULD_TAKE' }]);
    await h.settle();
    expect(await bal(a, 'USDT')).toEqual({ available: E, locked: 0n });
  });

  it('cancel releases what the resting order holds', async () => {
    const { h, a, bal } = await setup();
    const { orderIds } = await h.run([h.place({ accountId: a, side: 'buy', price: '100', qty: '0.1' })]);
    expect(await bal(a, 'USDT')).toEqual({ available: E - 10_010_000n, locked: 10_010_000n });
    await h.run([h.cancel(a, orderIds[0]!)]);
    expect(await bal(a, 'USDT')).toEqual({ available: E, locked: 0n });
  });

  it('amend up locks the difference, amend down releases it; a sell amended up locks the extra base', async () => {
    const { h, a, b, bal } = await setup();
    const buy = (await h.run([h.place({ accountId: a, side: 'buy', price: '100', qty: '0.1' })])).orderIds[0]!;
    const { lock } = await h.submit([h.amend(a, buy, { price: '105' })]);
    // the new terms cost 10.5 USDT + 10 bps: exactly 500 500 more, locked before the engine sees it
    expect(lock.balances.find((r) => r.account === a)).toMatchObject({ locked: 10_510_500n });
    await h.settle();
    expect(await bal(a, 'USDT')).toEqual({ available: E - 10_510_500n, locked: 10_510_500n });
    await h.run([h.amend(a, buy, { qty: '0.05' })]);
    expect(await bal(a, 'USDT')).toEqual({ available: E - 5_255_250n, locked: 5_255_250n });
    await h.run([h.amend(a, buy, { price: '90' })]);
    expect(await bal(a, 'USDT')).toEqual({ available: E - 4_504_500n, locked: 4_504_500n });

    const sell = (await h.run([h.place({ accountId: b, side: 'sell', price: '200', qty: '0.1' })])).orderIds[0]!;
    await h.run([h.amend(b, sell, { qty: '0.3' })]);
    expect(await bal(b, 'BTC')).toEqual({ available: E - 30_000_000n, locked: 30_000_000n });
    await h.run([h.amend(b, sell, { qty: '0.2' })]);
    expect(await bal(b, 'BTC')).toEqual({ available: E - 20_000_000n, locked: 20_000_000n });

    // an amend the account cannot cover is refused and moves nothing
    const refused = await h.run([h.amend(a, buy, { qty: '5000' })]);
    expect(refused.lock.forwards[0]!.reject).toBe('INSUFFICIENT_FUNDS');
    expect(refused.events).toMatchObject([{ type: 'rejected', command: 'amend', reason: 'INSUFFICIENT_FUNDS' }]);
    expect(await bal(a, 'USDT')).toEqual({ available: E - 4_504_500n, locked: 4_504_500n });
    // an amend the book refuses gives its extra back
    await h.run([h.amend(a, buy, { qty: '0.0001', price: '95' }), h.cancel(a, buy), h.amend(a, buy, { price: '99' })]);
    expect(await bal(a, 'USDT')).toEqual({ available: E, locked: 0n });
  });

  it('an amend naming the order by clientOrderId locks the difference of that order', async () => {
    const { h, a, bal } = await setup();
    await h.run([h.place({ accountId: a, side: 'buy', price: '100', qty: '0.1', clientOrderId: 'mine-1' })]);
    await h.run([h.place({ accountId: a, side: 'buy', price: '50', qty: '0.1', clientOrderId: 'mine-2' })]);
    const before = await bal(a, 'USDT');
    const { lock } = await h.submit([h.amendByClientId(a, 'mine-1', { price: '105' })]);
    expect(lock.forwards[0]!.reject).toBeUndefined();
    // 0.1 × 5 USDT more + 10 bps, on mine-1's terms (mine-2 would need less)
    expect(lock.balances.find((r) => r.account === a)).toMatchObject({ locked: before.locked + 500_500n });
    await h.settle();
    expect(await bal(a, 'USDT')).toEqual({ available: before.available - 500_500n, locked: before.locked + 500_500n });
  });

  it('amends in flight before settlement catches up stay covered, then settle exactly', async () => {
    const { h, a, b, bal } = await setup();
    const buy = (await h.run([h.place({ accountId: a, side: 'buy', price: '100', qty: '0.4' })])).orderIds[0]!;
    // three amends and fills all reach the engine before settlement runs
    await h.submit([h.amend(a, buy, { price: '101' })]);
    await h.submit([h.place({ accountId: b, side: 'sell', price: '99', qty: '0.1' })]);
    await h.submit([h.amend(a, buy, { qty: '0.6' })]);
    await h.submit([h.amend(a, buy, { price: '98' })]);
    const before = await bal(a, 'USDT');
    expect(before.available).toBeGreaterThanOrEqual(0n);
    await h.settle();
    // filled 0.1 @ 101 (taker sell from b crossing a's 101 bid) then open 0.5 @ 98
    const spent = 10_100_000n + 2_020n; // a was maker at 2 bps
    const need =
      49_000_000n + ((10_100_000n * 2n + 49_000_000n * 10n + 9_999n) / 10_000n - (10_100_000n * 2n + 9_999n) / 10_000n);
    expect(await bal(a, 'USDT')).toEqual({ available: E - spent - need, locked: need });
  });

  it('insufficient funds and unknown accounts are refused, first come first served within a batch', async () => {
    const { h, a, bal } = await setup();
    const big = h.place({ accountId: a, side: 'buy', price: '1000', qty: '9' }); // 9 000 USDT + fee
    const again = h.place({ accountId: a, side: 'buy', price: '1000', qty: '2' }); // would overdraw now
    const small = h.place({ accountId: a, side: 'buy', price: '100', qty: '1' }); // still fits
    const ghost = h.place({ accountId: 999_999, side: 'buy', price: '1', qty: '1' });
    const { lock } = await h.run([big, again, small, ghost]);
    expect(lock.forwards.map((f) => f.reject)).toEqual([undefined, 'INSUFFICIENT_FUNDS', undefined, 'UNKNOWN_ACCOUNT']);
    expect(await bal(a, 'USDT')).toEqual({
      available: E - 9_009_000_000n - 100_100_000n,
      locked: 9_009_000_000n + 100_100_000n,
    });
  });

  it('a reused order id locks nothing and its rejection frees nothing of the original', async () => {
    const { h, a, bal } = await setup();
    const first = h.place({ accountId: a, side: 'buy', price: '100', qty: '0.1' });
    const [entry] = h.entries([first]);
    await h.submit([first], [entry!]);
    const dup = h.place({ accountId: a, side: 'buy', price: '100', qty: '0.2' });
    const [dupEntry] = h.entries([dup]);
    dupEntry![1][1] = entry![1][1]!; // same orderId
    const { events } = await h.submit([dup], [dupEntry!]);
    expect(events).toMatchObject([{ type: 'rejected', reason: 'DUPLICATE_ORDER_ID' }]);
    await h.settle();
    expect(await bal(a, 'USDT')).toEqual({ available: E - 10_010_000n, locked: 10_010_000n });
  });

  it('self-trade prevention decrement keeps the maker’s lock until done; a self-trade without STP settles both sides', async () => {
    const { h, a, bal, fees } = await setup();
    const sell = (await h.run([h.place({ accountId: a, side: 'sell', price: '100', qty: '0.5' })])).orderIds[0]!;
    await h.run([h.place({ accountId: a, side: 'buy', price: '100', qty: '0.2', stp: 'decrement_and_cancel' })]);
    expect(await bal(a, 'BTC')).toEqual({ available: E - 50_000_000n, locked: 50_000_000n });
    expect(await bal(a, 'USDT')).toEqual({ available: E, locked: 0n });
    await h.run([h.place({ accountId: a, side: 'buy', price: '100', qty: '0.1', stp: 'none' })]);
    // a trades with itself: pays both fees, nets 0.1 BTC and 10 USDT out and in
    expect(await bal(a, 'USDT')).toEqual({ available: E - 10_000n - 2_000n, locked: 0n });
    expect(await fees()).toBe(12_000n);
    await h.run([h.cancel(a, sell)]);
    expect(await bal(a, 'BTC')).toEqual({ available: E, locked: 0n });
  });
});
