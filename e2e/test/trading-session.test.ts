/**
 * A scripted trading session against the whole exchange started by `./exchange start`: an admin
 * funds two new accounts, they trade on BTCUSDT through the typed client (limit orders on both
 * sides, an IOC taker, an amend, cancels, cancel-all, a refused order, an idempotent retry), and
 * every answer is checked against figures computed here from first principles — REST results,
 * fees to the minor unit, balances, conservation, and what the WebSocket feed delivered (public
 * book and trades, private orders and balances).
 */
import type { FeedServerMessage, LocalBook, OrderResult } from '@exchange/client';
import { isApiError } from '@exchange/client';
import { startExchange, waitUntil, type RunningExchange } from '../support/exchange';
import {
  adminClient,
  createTrader,
  feeOf,
  minor,
  notional,
  openFeed,
  type RecordedFeed,
  type Trader,
} from '../support/traders';

jest.setTimeout(180_000);

const MARKET = 'BTCUSDT';
const DEC = 8; // BTC and USDT both have 8 decimals in the seed
const FEE_BPS = 10; // the seeded markets' maker and taker fee
const u = (s: string) => minor(s, DEC);

let ex: RunningExchange;
let maker: Trader;
let taker: Trader;
let pub: RecordedFeed;
let makerFeed: RecordedFeed;
let takerFeed: RecordedFeed;
let book: LocalBook;

beforeAll(async () => {
  ex = await startExchange();
  maker = await createTrader(ex, 'session-maker', { BTC: '1' });
  taker = await createTrader(ex, 'session-taker', { USDT: '10000' });
  pub = openFeed(ex);
  book = pub.feed.book(MARKET);
  pub.feed.subscribe({ channel: 'trades', market: MARKET });
  makerFeed = openFeed(ex, { apiKey: maker.keyId, apiSecret: maker.secret });
  takerFeed = openFeed(ex, { apiKey: taker.keyId, apiSecret: taker.secret });
  makerFeed.feed.subscribe({ channel: 'private' });
  takerFeed.feed.subscribe({ channel: 'private' });
  const subscribed = (f: RecordedFeed, channel: string) =>
    waitUntil(`${channel} subscription`, async () =>
      f.messages.some((m) => m.type === 'subscribed' && m.channel === channel),
    );
  await Promise.all([
    subscribed(pub, 'trades'),
    subscribed(makerFeed, 'private'),
    subscribed(takerFeed, 'private'),
    waitUntil('book snapshot', async () => book.synced),
  ]);
});

afterAll(async () => {
  for (const f of [pub, makerFeed, takerFeed]) f?.feed.close();
  await ex?.stop();
});

async function balances(t: Trader): Promise<Record<string, { available: bigint; locked: bigint }>> {
  const out: Record<string, { available: bigint; locked: bigint }> = {};
  for (const b of await t.client.balances()) out[b.asset] = { available: u(b.available), locked: u(b.locked) };
  return out;
}

const orderUpdates = (f: RecordedFeed) =>
  f.messages
    .filter((m): m is Extract<FeedServerMessage, { type: 'orders' }> => m.type === 'orders')
    .flatMap((m) => m.updates);

/** The LocalBook and the REST book agree, level for level (the feed checked its checksum on the way). */
async function bookMatchesRest(expected: { bids: Array<[string, string]>; asks: Array<[string, string]> }) {
  // REST reads the read model, a few ms behind the answers: wait for it, then show any difference.
  const restBook = async () => {
    const b = await taker.client.book(MARKET, 100);
    return { bids: b.bids, asks: b.asks };
  };
  await waitUntil(
    'the REST book',
    async () => JSON.stringify(await restBook()) === JSON.stringify(expected),
    10_000,
  ).catch(() => undefined);
  expect(await restBook()).toEqual(expected);
  await waitUntil('the LocalBook to reach the REST book', async () => {
    const l = book.levels();
    return book.synced && JSON.stringify([l.bids, l.asks]) === JSON.stringify([expected.bids, expected.asks]);
  });
}

describe('a scripted trading session', () => {
  const bid1 = 'taker-bid-1';
  let ask1: OrderResult;
  let ask2: OrderResult;
  let bidOrder: OrderResult;
  const fill1 = notional('123.45', '0.12345', DEC); // 15.2399025 USDT
  const fill2 = notional('123.45', '0.37655', DEC); // 46.4850975 USDT

  test('deposits by the admin key show up as balances', async () => {
    expect(await balances(maker)).toEqual({ BTC: { available: u('1'), locked: 0n } });
    expect(await balances(taker)).toEqual({ USDT: { available: u('10000'), locked: 0n } });
  });

  test('resting orders on both sides: 200 NEW, funds locked, book on REST and WebSocket', async () => {
    ask1 = await maker.client.placeOrder({
      market: MARKET,
      side: 'sell',
      type: 'limit',
      price: '123.45',
      qty: '0.5',
      clientOrderId: 'maker-ask-1',
    });
    expect(ask1).toMatchObject({ status: 'NEW', side: 'sell', price: '123.45', qty: '0.5', filled: '0', fills: [] });
    ask2 = await maker.client.placeOrder({
      market: MARKET,
      side: 'sell',
      type: 'limit',
      price: '124',
      qty: '0.2',
      clientOrderId: 'maker-ask-2',
    });
    expect(ask2.status).toBe('NEW');
    bidOrder = await taker.client.placeOrder(
      { market: MARKET, side: 'buy', type: 'limit', price: '120', qty: '0.1', clientOrderId: bid1 },
      { idempotencyKey: 'bid-1' },
    );
    expect(bidOrder.status).toBe('NEW');
    // A bot's retry under the same Idempotency-Key gets the same order, not a second one.
    const retry = await taker.client.raw<OrderResult>('POST', '/v1/orders', {
      body: { market: MARKET, side: 'buy', type: 'limit', price: '120', qty: '0.1', clientOrderId: bid1 },
      idempotencyKey: 'bid-1',
    });
    expect(retry.body.orderId).toBe(bidOrder.orderId);
    expect(retry.headers['idempotent-replayed']).toBe('true');

    // Sell locks the base; buy locks notional + fee headroom at max(maker, taker).
    expect(await balances(maker)).toEqual({ BTC: { available: u('0.3'), locked: u('0.7') } });
    const bidLock = notional('120', '0.1', DEC) + feeOf(notional('120', '0.1', DEC), FEE_BPS);
    expect(await balances(taker)).toEqual({ USDT: { available: u('10000') - bidLock, locked: bidLock } });
    await bookMatchesRest({
      bids: [['120', '0.1']],
      asks: [
        ['123.45', '0.5'],
        ['124', '0.2'],
      ],
    });
  });

  test('a refused order: 400 INSUFFICIENT_FUNDS, nothing locked', async () => {
    const before = await balances(taker);
    const err = await taker.client
      .placeOrder({ market: MARKET, side: 'sell', type: 'limit', price: '130', qty: '1', clientOrderId: 'too-big' })
      .catch((e: unknown) => e);
    expect(isApiError(err, 'INSUFFICIENT_FUNDS')).toBe(true);
    expect(await balances(taker)).toEqual(before);
  });

  test('an IOC taker fills at the maker price; fees rounded up to the minor unit', async () => {
    const take = await taker.client.placeOrder({
      market: MARKET,
      side: 'buy',
      type: 'limit',
      tif: 'IOC',
      price: '123.45',
      qty: '0.12345',
      clientOrderId: 'taker-ioc-1',
    });
    expect(take).toMatchObject({ status: 'FILLED', filled: '0.12345' });
    expect(take.fills).toHaveLength(1);
    expect(take.fills[0]).toMatchObject({ price: '123.45', qty: '0.12345', role: 'taker', feeAsset: 'USDT' });
    // 15.2399025 × 10 bps = 0.015239903 (rounded up from 0.01523990250)
    expect(u(take.fills[0]!.fee)).toBe(feeOf(fill1, FEE_BPS));
    expect(u(take.fee)).toBe(1_523_991n);

    // Another account's view comes from the read model, a few ms behind the taker's answer.
    const m = await eventuallyOrder(maker, ask1.orderId, 'PARTIALLY_FILLED');
    expect(m).toMatchObject({ clientOrderId: 'maker-ask-1', filled: '0.12345' });
    expect(u(m.fee)).toBe(feeOf(fill1, FEE_BPS));
  });

  test('amend and cancel', async () => {
    const amended = await taker.client.amendOrder(bidOrder.orderId, { price: '121', qty: '0.2' });
    expect(amended).toMatchObject({ orderId: bidOrder.orderId, status: 'NEW', price: '121', qty: '0.2' });
    const canceled = await maker.client.cancelOrder(ask2.orderId);
    expect(canceled).toMatchObject({ orderId: ask2.orderId, status: 'CANCELED' });
    await eventuallyOrder(maker, ask2.orderId, 'CANCELED');
    const again = await maker.client.cancelOrder(ask2.orderId).catch((e: unknown) => e);
    expect(isApiError(again, 'ORDER_NOT_OPEN')).toBe(true);
  });

  test('a taker that sweeps the rest and rests its remainder', async () => {
    const sweep = await taker.client.placeOrder({
      market: MARKET,
      side: 'buy',
      type: 'limit',
      price: '124',
      qty: '0.5',
      clientOrderId: 'taker-sweep',
    });
    expect(sweep).toMatchObject({ status: 'PARTIALLY_FILLED', filled: '0.37655' });
    expect(sweep.fills.map((f) => [f.price, f.qty])).toEqual([['123.45', '0.37655']]);
    expect(u(sweep.fee)).toBe(feeOf(fill2, FEE_BPS));

    // The maker order is filled; its fee is charged on its whole notional, rounded up once.
    const m = await eventuallyOrder(maker, ask1.orderId, 'FILLED');
    expect(m.filled).toBe('0.5');
    expect(u(m.fee)).toBe(feeOf(fill1 + fill2, FEE_BPS));
    const makerFills = (await maker.client.fills({ market: MARKET })).items;
    expect(makerFills.map((f) => f.role)).toEqual(['maker', 'maker']);
    expect(makerFills.reduce((s, f) => s + u(f.fee), 0n)).toBe(u(m.fee));

    await bookMatchesRest({
      bids: [
        ['124', '0.12345'],
        ['121', '0.2'],
      ],
      asks: [],
    });
  });

  test('cancel-all, then balances are exact and conserved', async () => {
    const all = await taker.client.cancelAll(MARKET);
    expect(all.pending).toBe(false);
    expect(all.canceledOrderIds.sort((a, b) => a - b)).toEqual(
      [bidOrder.orderId, (await taker.client.getOrderByClientId('taker-sweep', MARKET)).orderId].sort((a, b) => a - b),
    );
    await bookMatchesRest({ bids: [], asks: [] });

    const makerFee = feeOf(fill1 + fill2, FEE_BPS);
    const takerFees = feeOf(fill1, FEE_BPS) + feeOf(fill2, FEE_BPS);
    await waitUntil('settlement to release every lock', async () => {
      const [m, t] = [await balances(maker), await balances(taker)];
      return [m.BTC, m.USDT, t.BTC, t.USDT].every((b) => b?.locked === 0n);
    });
    expect(await balances(maker)).toEqual({
      BTC: { available: u('0.5'), locked: 0n },
      USDT: { available: fill1 + fill2 - makerFee, locked: 0n },
    });
    expect(await balances(taker)).toEqual({
      BTC: { available: u('0.5'), locked: 0n },
      USDT: { available: u('10000') - fill1 - fill2 - takerFees, locked: 0n },
    });

    const statuses = {
      [bid1]: 'CANCELED',
      'taker-ioc-1': 'FILLED',
      'taker-sweep': 'CANCELED',
      'too-big': 'REJECTED',
    };
    const history = async () => (await taker.client.orderHistory({ market: MARKET })).items;
    const byClientId = async () => Object.fromEntries((await history()).map((o) => [o.clientOrderId, o.status]));
    await waitUntil(
      'the order history',
      async () => sortedJson(await byClientId()) === sortedJson(statuses),
      10_000,
    ).catch(() => undefined);
    expect(await byClientId()).toEqual(statuses);
    expect((await history()).find((o) => o.clientOrderId === 'too-big')?.rejectReason).toBe('INSUFFICIENT_FUNDS');

    const admin = adminClient(ex);
    const conserved = await admin.conservation();
    expect(conserved.map((c) => c.asset).sort()).toEqual(['BTC', 'ETH', 'USDT']);
    for (const c of conserved) expect(c).toMatchObject({ ok: true, held: c.netTransfers });
    const notAdmin = await taker.client.conservation().catch((e: unknown) => e);
    expect(isApiError(notAdmin, 'INSUFFICIENT_SCOPE')).toBe(true);

    // A withdrawal leaves the system: still conserved; one beyond the balance is refused.
    await admin.withdraw({ accountId: maker.accountId, asset: 'BTC', amount: '0.1', reference: 'session-wd-1' });
    expect((await balances(maker)).BTC).toEqual({ available: u('0.4'), locked: 0n });
    const over = await admin
      .withdraw({ accountId: maker.accountId, asset: 'BTC', amount: '1', reference: 'session-wd-2' })
      .catch((e: unknown) => e);
    expect(isApiError(over, 'INSUFFICIENT_FUNDS')).toBe(true);
    for (const c of await admin.conservation()) expect(c.ok).toBe(true);
  });

  test('the WebSocket feed delivered the trades, the order updates and the final balances', async () => {
    await waitUntil('both trades on the public feed', async () => publicTrades().length === 2);
    expect(publicTrades().map((t) => [t.price, t.qty, t.side])).toEqual([
      ['123.45', '0.12345', 'buy'],
      ['123.45', '0.37655', 'buy'],
    ]);
    expect(book.resyncs).toBe(0);

    await waitUntil(
      'the taker order updates',
      async () => orderUpdates(takerFeed).filter((x) => x.kind === 'done').length === 3,
    );
    const kinds = (f: RecordedFeed, orderId: number) =>
      orderUpdates(f).flatMap((x) => ('orderId' in x && x.orderId === orderId ? [x.kind] : []));
    expect(kinds(takerFeed, bidOrder.orderId)).toEqual(['accepted', 'amended', 'canceled', 'done']);
    expect(kinds(makerFeed, ask1.orderId)).toEqual(['accepted', 'fill', 'fill', 'done']);
    expect(kinds(makerFeed, ask2.orderId)).toEqual(['accepted', 'canceled', 'done']);
    const makerFills = orderUpdates(makerFeed).filter((x) => x.kind === 'fill');
    expect(makerFills.map((x) => x.kind === 'fill' && [x.qty, x.liquidity])).toEqual([
      ['0.12345', 'maker'],
      ['0.37655', 'maker'],
    ]);

    // The latest balances message per asset equals what REST says now.
    for (const t of [maker, taker]) {
      const f = t === maker ? makerFeed : takerFeed;
      const rest = await balances(t);
      await waitUntil(`${t.accountId}'s balances on the feed`, async () => {
        const last = new Map<string, { available: bigint; locked: bigint }>();
        for (const m of f.messages) {
          if (m.type !== 'balances') continue;
          for (const b of m.balances) last.set(b.asset, { available: u(b.available), locked: u(b.locked) });
        }
        return sortedJson(Object.fromEntries(last)) === sortedJson(rest);
      });
    }
  });
});

async function eventuallyOrder(t: Trader, orderId: number, status: string) {
  await waitUntil(`order ${orderId} ${status}`, async () => (await t.client.getOrder(orderId)).status === status);
  return t.client.getOrder(orderId);
}

function publicTrades() {
  return pub.messages
    .filter((m): m is Extract<FeedServerMessage, { type: 'trades' }> => m.type === 'trades')
    .flatMap((m) => m.trades);
}

/** JSON with sorted keys and bigints as strings: equal values, equal text. */
const sortedJson = (o: Record<string, unknown>) =>
  JSON.stringify(
    Object.entries(o).sort(([a], [b]) => a.localeCompare(b)),
    (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
  );
