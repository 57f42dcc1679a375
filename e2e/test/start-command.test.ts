import { ExchangeClient } from '@exchange/client';
import { startExchange, type RunningExchange } from '../support/exchange';

jest.setTimeout(180_000);

let ex: RunningExchange;
beforeAll(async () => {
  ex = await startExchange();
});
afterAll(async () => {
  await ex?.stop();
});

test('./exchange start serves the seeded markets and demo keys', async () => {
  const alice = new ExchangeClient({ baseUrl: ex.rest }).withCredentials(ex.keys.alice.keyId, ex.keys.alice.secret);
  const markets = await new ExchangeClient({ baseUrl: ex.rest }).markets();
  expect(markets.map((m) => m.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
  const balances = await alice.balances();
  expect(balances.find((b) => b.asset === 'USDT')).toMatchObject({
    available: '1000000',
    locked: '0',
  });
  expect(ex.output()).toContain(`http://127.0.0.1:${ex.ports.gateway}`);
});

test('a killed service is restarted by the supervisor', async () => {
  const before = ex.pid('gateway');
  const after = await ex.killService('gateway');
  expect(after).not.toBe(before);
  await new Promise((r) => setTimeout(r, 200));
});
