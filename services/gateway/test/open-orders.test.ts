import { randomUUID } from 'node:crypto';
import { isApiError } from '@exchange/client';
import { startHarness, stateOf, uniqueSymbol, type Harness } from './support/harness';

/**
 * The account-wide checks a place runs in its Redis step (ADR 0026): the open-order cap across
 * markets and clientOrderId uniqueness among all the account's open orders. Within one market the
 * book enforces its own; across markets only the gateway can.
 */
let h: Harness;
let other: string;
beforeAll(async () => {
  h = await startHarness({ MAX_OPEN_ORDERS_PER_ACCOUNT: '2' });
  other = (
    await h.admin.createMarket({
      symbol: uniqueSymbol('O'),
      base: 'BTC',
      quote: 'USDT',
      tickSize: '0.01',
      lotSize: '0.00001',
      minQty: '0.00001',
    })
  ).symbol;
});
afterAll(async () => {
  await h?.stop();
});

const order = { side: 'buy' as const, type: 'limit' as const, price: '100', qty: '0.1' };

async function trader() {
  const t = await h.trader();
  await h.admin.deposit({ accountId: t.accountId, asset: 'USDT', amount: '1000', reference: randomUUID() });
  return t;
}

async function refusedWith(act: () => Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  const before = await stateOf(h);
  const commands = await h.gateway.redis.xlen(`cmd:${other}`);
  const err = await act().then(
    () => null,
    (e: unknown) => e,
  );
  if (!isApiError(err)) throw new Error(`expected ${code}, got ${String(err)}`);
  expect({ status: err.status, code: err.code }).toEqual({ status: 409, code });
  expect(await stateOf(h)).toEqual(before);
  expect(await h.gateway.redis.xlen(`cmd:${other}`)).toBe(commands);
  return err.details ?? {};
}

it('refuses a clientOrderId open in another market, and accepts it once that order is done', async () => {
  const t = await trader();
  const first = await t.client.placeOrder({ market: h.market.symbol, ...order, clientOrderId: 'across-1' });
  await h.gateway.projector.catchUp();
  await refusedWith(
    () => t.client.placeOrder({ market: other, ...order, clientOrderId: 'across-1', respType: 'ack' }),
    'DUPLICATE_CLIENT_ORDER_ID',
  );
  // another account may use it
  const someoneElse = await trader();
  await expect(
    someoneElse.client.placeOrder({ market: other, ...order, clientOrderId: 'across-1', respType: 'ack' }),
  ).resolves.toMatchObject({ clientOrderId: 'across-1' });

  await t.client.cancelOrder(first.orderId);
  await h.gateway.projector.catchUp();
  await expect(
    t.client.placeOrder({ market: other, ...order, clientOrderId: 'across-1', respType: 'ack' }),
  ).resolves.toMatchObject({ clientOrderId: 'across-1' });
});

it('caps open orders across markets, and frees a place when one is done', async () => {
  const t = await trader();
  const resting = [
    await t.client.placeOrder({ market: h.market.symbol, ...order }),
    await t.client.placeOrder({ market: h.market.symbol, ...order }),
  ];
  await h.gateway.projector.catchUp();
  expect(
    await refusedWith(() => t.client.placeOrder({ market: other, ...order, respType: 'ack' }), 'TOO_MANY_OPEN_ORDERS'),
  ).toEqual({ open: 2 });

  await t.client.cancelOrder(resting[0]!.orderId);
  await h.gateway.projector.catchUp();
  await expect(t.client.placeOrder({ market: other, ...order, respType: 'ack' })).resolves.toMatchObject({
    market: other,
  });
});
