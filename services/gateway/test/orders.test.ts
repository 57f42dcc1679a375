import { randomUUID } from 'node:crypto';
import { eventually, startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

async function funded(base = '1', quote = '100000') {
  const t = await h.trader();
  await h.admin.deposit({ accountId: t.accountId, asset: 'BTC', amount: base, reference: randomUUID() });
  await h.admin.deposit({ accountId: t.accountId, asset: 'USDT', amount: quote, reference: randomUUID() });
  return t;
}

describe('orders: happy paths', () => {
  it('places, matches, reports fills, and projects orders, fills, book, trades, ticker and candles', async () => {
    const maker = await funded();
    const taker = await funded();
    const market = h.market.symbol;

    const ask = await maker.client.placeOrder({
      market,
      side: 'sell',
      type: 'limit',
      price: '50000.00',
      qty: '0.1',
      clientOrderId: 'mk-1',
    });
    expect(ask).toMatchObject({
      status: 'NEW',
      price: '50000',
      qty: '0.1',
      filled: '0',
      clientOrderId: 'mk-1',
      stp: 'cancel_oldest',
      tif: 'GTC',
    });

    const bid = await taker.client.placeOrder({ market, side: 'buy', type: 'limit', price: '50001', qty: '0.04' });
    expect(bid.status).toBe('FILLED');
    expect(bid.clientOrderId).toMatch(/^[0-9a-f]{32}$/);
    expect(bid.fills).toEqual([
      expect.objectContaining({ role: 'taker', side: 'buy', price: '50000', qty: '0.04', fee: '4', feeAsset: 'USDT' }),
    ]);

    const makerOrder = await eventually(async () => {
      const o = await maker.client.getOrder(ask.orderId);
      return o.status === 'PARTIALLY_FILLED' && o;
    });
    expect(makerOrder).toMatchObject({ filled: '0.04', fee: '2' });
    expect(await maker.client.getOrderByClientId('mk-1', market)).toMatchObject({ orderId: ask.orderId });
    expect((await maker.client.openOrders(market)).map((o) => o.orderId)).toEqual([ask.orderId]);
    const history = await taker.client.orderHistory({ market });
    expect(history.items.map((o) => o.orderId)).toEqual([bid.orderId]);
    const fills = await maker.client.fills({ market });
    expect(fills.items).toEqual([
      expect.objectContaining({ orderId: ask.orderId, role: 'maker', side: 'sell', qty: '0.04', fee: '2' }),
    ]);

    const book = await h.admin.book(market, 5);
    expect(book.asks).toEqual([['50000', '0.06']]);
    expect(book.bids).toEqual([]);
    expect(book.lastUpdateId).toBeGreaterThan(0);
    expect(await h.admin.trades(market)).toEqual([
      expect.objectContaining({ price: '50000', qty: '0.04', side: 'buy' }),
    ]);
    expect(await h.admin.ticker(market)).toMatchObject({
      last: '50000',
      volume: '0.04',
      quoteVolume: '2000',
      bestAsk: '50000',
      trades: 1,
    });
    const candles = await h.admin.candles(market, { interval: '1m' });
    expect(candles).toEqual([expect.objectContaining({ open: '50000', close: '50000', volume: '0.04', trades: 1 })]);
    const markets = await h.admin.markets();
    expect(markets.find((m) => m.symbol === market)).toMatchObject({ tickSize: '0.01', status: 'trading' });
  });

  it('amends and cancels by id and by clientOrderId, and cancels all', async () => {
    const t = await funded();
    const market = h.market.symbol;
    const a = await t.client.placeOrder({
      market,
      side: 'buy',
      type: 'limit',
      price: '100',
      qty: '1',
      clientOrderId: 'a-1',
    });
    const amended = await t.client.amendOrder(a.orderId, { qty: '0.5' });
    expect(amended).toMatchObject({ orderId: a.orderId, qty: '0.5', status: 'NEW' });
    const byClient = await t.client.amendOrderByClientId(market, 'a-1', { price: '101' });
    expect(byClient).toMatchObject({ price: '101', qty: '0.5' });
    const canceled = await t.client.cancelOrder(a.orderId);
    expect(canceled).toMatchObject({ orderId: a.orderId, status: 'CANCELED' });

    const b = await t.client.placeOrder({
      market,
      side: 'buy',
      type: 'limit',
      price: '100',
      qty: '0.1',
      clientOrderId: 'b-1',
    });
    expect(await t.client.cancelOrderByClientId(market, 'b-1')).toMatchObject({
      orderId: b.orderId,
      status: 'CANCELED',
    });

    const c1 = await t.client.placeOrder({ market, side: 'buy', type: 'limit', price: '99', qty: '0.1' });
    const c2 = await t.client.placeOrder({ market, side: 'buy', type: 'limit', price: '98', qty: '0.1' });
    const all = await t.client.cancelAll(market);
    expect(all.canceledOrderIds.sort()).toEqual([c1.orderId, c2.orderId].sort());
    await eventually(async () => (await t.client.openOrders(market)).length === 0);
    // With nothing open the engine still answers (NO_OPEN_ORDERS): 200 and nothing canceled, not a 202 wait.
    expect(await t.client.cancelAll(market)).toEqual({ market, canceledOrderIds: [], pending: false });
  });

  it('answers balances and the ledger from the balance manager', async () => {
    const t = await funded('2', '500');
    const balances = await t.client.balances();
    expect(balances).toEqual(
      expect.arrayContaining([
        { asset: 'BTC', available: '2', locked: '0' },
        { asset: 'USDT', available: '500', locked: '0' },
      ]),
    );
    const ledger = await t.client.ledger({ limit: 1 });
    expect(ledger.items).toHaveLength(1);
    expect(ledger.nextCursor).not.toBeNull();
    const next = await t.client.ledger({ limit: 1, cursor: ledger.nextCursor! });
    expect(next.items[0]!.id).not.toBe(ledger.items[0]!.id);
  });
});
