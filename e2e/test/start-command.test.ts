/**
 * `./exchange start` on a machine where Postgres and Redis are not running (DATABASE_URL and
 * REDIS_URL point at free ports): it starts both in its data folder, migrates, seeds, runs every
 * service; a scripted client trades and sees it on the WebSocket feed; Ctrl-C stops it cleanly.
 */
import { ExchangeClient, type FeedServerMessage } from '@exchange/client';
import { startExchange, waitUntil, type RunningExchange } from '../support/exchange';
import { openFeed } from '../support/traders';

jest.setTimeout(180_000);

let ex: RunningExchange;
beforeAll(async () => {
  ex = await startExchange({ servers: 'cold' });
});
afterAll(async () => {
  await ex?.stop();
});

const client = (owner: 'alice' | 'bob') =>
  new ExchangeClient({ baseUrl: ex.rest }).withCredentials(ex.keys[owner].keyId, ex.keys[owner].secret);

test('it started Postgres and a durable Redis itself, in its data folder', () => {
  const out = ex.output();
  expect(out).toContain(`initialising a PostgreSQL cluster`);
  expect(out).toContain(`starting PostgreSQL on port ${new URL(ex.databaseUrl).port}`);
  expect(out).toContain(`starting Redis on port ${ex.ports.redis} (data in ${ex.dataDir}/redis`);
  expect(out).toContain('durable (appendonly yes, appendfsync always)');
});

test('./exchange start serves the seeded markets and demo keys', async () => {
  const markets = await new ExchangeClient({ baseUrl: ex.rest }).markets();
  expect(markets.map((m) => m.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
  expect((await client('alice').balances()).find((b) => b.asset === 'USDT')).toMatchObject({
    available: '1000000',
    locked: '0',
  });
  expect(ex.output()).toContain(`http://127.0.0.1:${ex.ports.gateway}`);
});

test('a scripted client places and matches orders and sees the trade on the WebSocket feed', async () => {
  const pub = openFeed(ex);
  try {
    pub.feed.subscribe({ channel: 'trades', market: 'BTCUSDT' });
    await pub.waitFor('subscribed', (m): m is FeedServerMessage => m.type === 'subscribed');
    const ask = await client('alice').placeOrder({
      market: 'BTCUSDT',
      side: 'sell',
      type: 'limit',
      price: '65000.5',
      qty: '0.01',
    });
    expect(ask.status).toBe('NEW');
    const bid = await client('bob').placeOrder({
      market: 'BTCUSDT',
      side: 'buy',
      type: 'limit',
      price: '65001',
      qty: '0.01',
    });
    expect(bid.status).toBe('FILLED');
    const trades = await pub.waitFor(
      'the trade on the feed',
      (m): m is Extract<FeedServerMessage, { type: 'trades' }> => m.type === 'trades' && m.trades.length > 0,
    );
    expect(trades.trades.map((t) => [t.price, t.qty, t.side])).toEqual([['65000.5', '0.01', 'buy']]);
  } finally {
    pub.feed.close();
  }
});

test('a killed service is restarted by the supervisor', async () => {
  const before = ex.pid('gateway');
  const after = await ex.killService('gateway');
  expect(after).not.toBe(before);
  await waitUntil('the new gateway ready', async () => (await fetch(`${ex.rest}/readyz`)).ok);
});

test('Ctrl-C stops every service cleanly', async () => {
  const end = await ex.stop();
  expect(ex.output()).toContain('stopped: every service shut down cleanly');
  expect(end).toEqual({ code: 0, signal: null });
});
